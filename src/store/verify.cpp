// Store::verify: the hash chains, the replay and the comparison with the live tables, in one
// read transaction. The pure parts are store/chain_hash and store/replay; this file reads.
#include "koodrive_audit/store.hpp"

#include "store/chain_hash.hpp"
#include "store/chain_rows.hpp"
#include "store/chain_walk.hpp"
#include "store/checkpoint.hpp"
#include "store/replay.hpp"
#include "store/statement_cache.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <array>
#include <limits>

namespace kda {

namespace {

// sqlite_sequence keeps the largest id ever handed out; a newest row below it means the rows
// after it were deleted (ids are never reused and nothing deletes them).
void check_tail(SQLite::Database& db, std::string_view table, const std::string& word,
                bool events, const std::optional<std::int64_t>& last_id,
                std::vector<VerifyProblem>& problems) {
  SQLite::Statement q(db, "SELECT seq FROM sqlite_sequence WHERE name = ?1");
  q.bind(1, std::string(table));
  if (!q.executeStep()) return;
  const std::int64_t handed_out = q.getColumn(0).getInt64();
  const std::int64_t newest = last_id.value_or(0);
  if (handed_out <= newest) return;
  VerifyProblem p{word + " " + std::to_string(newest + 1) +
                      (handed_out > newest + 1 ? ".." + std::to_string(handed_out) : std::string()) +
                      ": missing: sqlite_sequence says " + word + " " + std::to_string(handed_out) +
                      " was handed out, but the newest row is " +
                      (last_id ? word + " " + std::to_string(newest) : std::string("none")) +
                      " (rows at the end were deleted)",
                  {}, {}};
  (events ? p.seq : p.baseline_id) = newest + 1;
  problems.push_back(std::move(p));
}

// Polls up to the retention checkpoint had their events pruned; the few still kept (an
// account's last successful poll and its failure streak) count events no longer there.
void check_poll_counts(SQLite::Database& db, std::int64_t after_poll,
                       std::vector<VerifyProblem>& problems) {
  SQLite::Statement q(db,
                      "SELECT poll_id, events, stored FROM (SELECT p.poll_id, p.events, "
                      "(SELECT count(*) FROM events AS e WHERE e.poll_id = p.poll_id) AS stored "
                      "FROM polls AS p WHERE p.poll_id > ?1) WHERE events <> stored "
                      "ORDER BY poll_id");
  q.bind(1, after_poll);
  while (q.executeStep()) {
    problems.push_back({"poll " + q.getColumn(0).getString() + ": its row counts " +
                            q.getColumn(1).getString() + " events, but the events table holds " +
                            q.getColumn(2).getString() + " of them",
                        {}, {}});
  }
}

store::Items live_items(SQLite::Database& db) {
  store::Items items;
  SQLite::Statement devices(db,
                            "SELECT account_id, device_id, machine_code, device_name, device_os, "
                            "create_time FROM devices WHERE removed_at IS NULL");
  while (devices.executeStep()) {
    Device d{devices.getColumn(1).getString(), devices.getColumn(2).getString(),
             devices.getColumn(3).getString(), devices.getColumn(4).getString(),
             devices.getColumn(5).getString()};
    std::string id = d.device_id;
    items[devices.getColumn(0).getString()].devices.emplace(std::move(id), std::move(d));
  }
  SQLite::Statement scopes(db,
                           "SELECT account_id, device_id, module_code, scope_id, local_path, "
                           "target_folder_path, create_time FROM scopes WHERE removed_at IS NULL");
  while (scopes.executeStep()) {
    Scope s{scopes.getColumn(3).getString(), scopes.getColumn(2).getInt(),
            scopes.getColumn(4).getString(), scopes.getColumn(5).getString(),
            scopes.getColumn(6).getString()};
    ScopeKey key{scopes.getColumn(1).getString(), s.module_code, s.scope_id};
    items[scopes.getColumn(0).getString()].scopes.emplace(std::move(key), std::move(s));
  }
  return items;
}

void append(std::vector<VerifyProblem>& to, std::vector<VerifyProblem>&& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

std::optional<std::int64_t> VerifyReport::first_bad_seq() const {
  std::optional<std::int64_t> first;
  for (const VerifyProblem& p : problems) {
    if (p.seq && (!first || *p.seq < *first)) first = p.seq;
  }
  return first;
}

VerifyReport Store::verify() {
  SQLite::Database& db = impl_->db;
  store::Transaction transaction(db, store::Transaction::Kind::read);
  VerifyReport report;
  std::vector<VerifyProblem> event_chain, baseline_chain, replayed, checks;

  const std::int64_t after_seq = store::replay_after_seq(db, checks);
  // A pruned database: the chains start at the checkpoint, the replay from its state.
  const std::optional<store::Checkpoint> checkpoint = store::read_checkpoint(db);
  store::Replay replay;
  if (checkpoint) store::replay_state(db, checkpoint->state_hash, replay, replayed);
  store::ChainWalk events =
      store::walk_events(db, checkpoint ? checkpoint->events : store::ChainStart{});
  store::ChainWalk baselines =
      store::walk_baselines(db, checkpoint ? checkpoint->baselines : store::ChainStart{});
  report.replayed_events = store::replay_chains(events, baselines, after_seq, replay, event_chain,
                                                baseline_chain, replayed);
  report.events = events.rows();
  report.baselines = baselines.rows();

  check_tail(db, "events", "seq", true, events.last_id(), checks);
  check_tail(db, "baselines", "baseline", false, baselines.last_id(), checks);
  check_poll_counts(db, checkpoint ? checkpoint->through_poll_id : 0, checks);

  store::Comparison comparison = store::compare(replay.items(), live_items(db));
  report.devices = comparison.devices;
  report.scopes = comparison.scopes;
  transaction.commit();

  append(report.problems, std::move(event_chain));
  append(report.problems, std::move(baseline_chain));
  append(report.problems, std::move(replayed));
  append(report.problems, std::move(checks));
  append(report.problems, std::move(comparison.problems));
  return report;
}

}  // namespace kda
