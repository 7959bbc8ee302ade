#pragma once
// Retention's checkpoint (migration 0005): where the pruned chains now start and the state the
// pruned history left, and the replay of the chains from it. Shared by prune (which replays the
// rows it is about to delete, and writes the next checkpoint) and verify (which replays the rest).
//
// Throws SQLite::Exception on a database error; problems with the data are VerifyProblem values.
#include "koodrive_audit/store.hpp"
#include "store/chain_walk.hpp"
#include "store/replay.hpp"

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kda::store {

struct Checkpoint {
  std::int64_t through_poll_id = 0;
  ChainStart events;     // after_id nullopt when no event was ever pruned
  ChainStart baselines;  // likewise for baselines
  std::string state_hash{genesis_hash};
};

// The retention_checkpoint row; nullopt when nothing was ever pruned.
std::optional<Checkpoint> read_checkpoint(SQLite::Database& db);

// Applies the retention_state rows to `replay` (as baselines) and reports a problem when their
// hash chain is not `expected_hash`.
void replay_state(SQLite::Database& db, const std::string& expected_hash, Replay& replay,
                  std::vector<VerifyProblem>& problems);

// Replaces retention_state with `items` (one row per account's devices, one per (device,
// module) with scopes) and returns the hash chain over the rows.
std::string write_state(SQLite::Database& db, const Items& items);

// Writes the retention_checkpoint row.
void write_checkpoint(SQLite::Database& db, const Checkpoint& checkpoint,
                      const std::string& pruned_at, const std::string& cutoff);

// chain_origin.replay_after_seq: events up to it are in migration 0003's baselines and are not
// replayed. 0 (and a problem) when the row is missing.
std::int64_t replay_after_seq(SQLite::Database& db, std::vector<VerifyProblem>& problems);

// Walks both chains to their ends, replaying them in history order: polls in order, a poll's
// baselines before its events (baselines with poll_id NULL before every poll); events up to
// `after_seq` are checked but not replayed. Chain problems go to the two chain lists, replay
// problems to `replayed`. Returns the number of events replayed.
std::int64_t replay_chains(ChainWalk& events, ChainWalk& baselines, std::int64_t after_seq,
                           Replay& replay, std::vector<VerifyProblem>& event_chain,
                           std::vector<VerifyProblem>& baseline_chain,
                           std::vector<VerifyProblem>& replayed);

}  // namespace kda::store
