// Store::prune and the incremental vacuum after it (database.retention, issue #8).
//
// Events and baselines go as a prefix of their chains, whole polls at a time: events and poll
// ids grow together (a poll's events commit in the poll's transaction), so "every poll up to B"
// is "every event up to seq P" and "every baseline up to id L". A prefix keeps both chains
// checkable from one checkpoint, and a whole poll keeps its `events` count meaningful.
#include "koodrive_audit/store.hpp"

#include "store/chain_walk.hpp"
#include "store/checkpoint.hpp"
#include "store/replay.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <limits>
#include <map>

namespace kda {

namespace {

using store::Transaction;

std::optional<std::int64_t> optional_int64(SQLite::Database& db, const std::string& sql,
                                           const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement q(db, sql);
  bind(q);
  if (!q.executeStep() || q.isColumnNull(0)) return std::nullopt;
  return q.getColumn(0).getInt64();
}

// The newest poll whose events and baselines may go: every poll up to it finished before the
// cutoff, and every listed sink has delivered all its events.
std::int64_t pruneable_through_poll(SQLite::Database& db, const PruneRequest& request,
                                    const std::string& cutoff, std::string& held_by) {
  // Scans from the oldest poll, which after the first prune is about one day of polls.
  const std::optional<std::int64_t> first_young = optional_int64(
      db, "SELECT poll_id FROM polls WHERE finished_at >= ?1 ORDER BY poll_id LIMIT 1",
      [&](SQLite::Statement& q) { q.bind(1, cutoff); });
  std::int64_t through =
      first_young ? *first_young - 1
                  : optional_int64(db, "SELECT MAX(poll_id) FROM polls", [](auto&) {}).value_or(0);

  for (const std::string& sink : request.sinks) {
    const std::int64_t delivered =
        optional_int64(db, "SELECT last_seq FROM sink_cursors WHERE sink = ?1",
                       [&](SQLite::Statement& q) { q.bind(1, sink); })
            .value_or(0);
    const std::optional<std::int64_t> first_undelivered = optional_int64(
        db, "SELECT poll_id FROM events WHERE seq > ?1 ORDER BY seq LIMIT 1",
        [&](SQLite::Statement& q) { q.bind(1, delivered); });
    if (first_undelivered && *first_undelivered - 1 < through) {
      through = *first_undelivered - 1;
      held_by = sink;
    }
  }
  return through;
}

// Checks and replays the rows about to go, from the previous checkpoint, and returns the next
// checkpoint (the pruned chains' ends and the state they leave). Throws when they do not verify.
store::Checkpoint fold_into_checkpoint(SQLite::Database& db, const std::filesystem::path& path,
                                       const std::optional<store::Checkpoint>& previous,
                                       std::int64_t through_poll, std::int64_t through_seq,
                                       std::int64_t through_baseline, PruneReport& report) {
  std::vector<VerifyProblem> problems, event_chain, baseline_chain;
  const std::int64_t after_seq = store::replay_after_seq(db, problems);
  store::Replay replay;
  if (previous) store::replay_state(db, previous->state_hash, replay, problems);
  store::ChainWalk events =
      store::walk_events(db, previous ? previous->events : store::ChainStart{}, through_seq);
  store::ChainWalk baselines = store::walk_baselines(
      db, previous ? previous->baselines : store::ChainStart{}, through_baseline);
  store::replay_chains(events, baselines, after_seq, replay, event_chain, baseline_chain, problems);
  problems.insert(problems.begin(), baseline_chain.begin(), baseline_chain.end());
  problems.insert(problems.begin(), event_chain.begin(), event_chain.end());
  if (!problems.empty()) {
    throw StoreError(path.string() + ": retention: refusing to prune: the history it would delete " +
                     "does not verify (" + problems.front().text +
                     (problems.size() > 1 ? "; and " + std::to_string(problems.size() - 1) + " more"
                                          : std::string()) +
                     "); run koodrive-audit verify");
  }
  report.events = events.rows();
  report.baselines = baselines.rows();

  store::Checkpoint next;
  next.through_poll_id = through_poll;
  if (events.last_id()) next.events = {events.last_id(), events.last_hash()};
  if (baselines.last_id()) next.baselines = {baselines.last_id(), baselines.last_hash()};
  next.state_hash = store::write_state(db, replay.items());
  return next;
}

// Polls before the cutoff that nothing kept names. Each account keeps its newest ok or partial
// poll and every poll after it: load_snapshot reads "device list fetched before" and the
// failure streak from them.
std::int64_t prune_polls(SQLite::Database& db, const std::string& cutoff) {
  std::map<std::string, std::int64_t> keep_from;  // by account; polls below may go
  {
    SQLite::Statement accounts(db, "SELECT account_id FROM accounts");
    SQLite::Statement newest(db,
                             "SELECT poll_id FROM polls WHERE account_id = ?1 AND "
                             "outcome IN ('ok', 'partial') ORDER BY poll_id DESC LIMIT 1");
    while (accounts.executeStep()) {
      const std::string account = accounts.getColumn(0).getString();
      newest.bind(1, account);
      keep_from[account] = newest.executeStep() ? newest.getColumn(0).getInt64() : 0;
      newest.reset();
    }
  }
  std::vector<std::int64_t> doomed;
  {
    SQLite::Statement polls(db, "SELECT poll_id, account_id, finished_at FROM polls ORDER BY poll_id");
    SQLite::Statement named(db,
                            "SELECT EXISTS (SELECT 1 FROM events WHERE poll_id = ?1) OR "
                            "EXISTS (SELECT 1 FROM baselines WHERE poll_id = ?1)");
    while (polls.executeStep()) {
      if (polls.getColumn(2).getString() >= cutoff) break;  // polls finish in poll_id order
      const std::int64_t poll_id = polls.getColumn(0).getInt64();
      if (poll_id >= keep_from[polls.getColumn(1).getString()]) continue;
      named.bind(1, poll_id);
      const bool is_named = named.executeStep() && named.getColumn(0).getInt() != 0;
      named.reset();
      if (!is_named) doomed.push_back(poll_id);
    }
  }
  SQLite::Statement remove(db, "DELETE FROM polls WHERE poll_id = ?1");
  for (const std::int64_t poll_id : doomed) {
    remove.bind(1, poll_id);
    remove.exec();
    remove.reset();
  }
  return static_cast<std::int64_t>(doomed.size());
}

// A removed device goes only when nothing kept names it; foreign keys would refuse otherwise.
constexpr std::string_view removable_device =
    "d.removed_at IS NOT NULL AND d.removed_at < ?1 "
    "AND NOT EXISTS (SELECT 1 FROM scopes s WHERE s.account_id = d.account_id AND "
    "s.device_id = d.device_id) "
    "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.account_id = d.account_id AND "
    "e.device_id = d.device_id) "
    "AND NOT EXISTS (SELECT 1 FROM baselines b WHERE b.account_id = d.account_id AND "
    "b.device_id = d.device_id)";

std::int64_t exec_with_cutoff(SQLite::Database& db, const std::string& sql,
                              const std::string& cutoff) {
  SQLite::Statement q(db, sql);
  q.bind(1, cutoff);
  return q.exec();
}

void prune_removed_items(SQLite::Database& db, const std::string& cutoff, PruneReport& report) {
  report.scopes = exec_with_cutoff(
      db, "DELETE FROM scopes WHERE removed_at IS NOT NULL AND removed_at < ?1", cutoff);
  db.exec("DELETE FROM retention_announced WHERE EXISTS (SELECT 1 FROM devices d WHERE "
          "d.account_id = retention_announced.account_id AND "
          "d.device_id = retention_announced.device_id AND d.removed_at IS NOT NULL)");
  exec_with_cutoff(db,
                   "DELETE FROM fetch_status WHERE EXISTS (SELECT 1 FROM devices d WHERE "
                   "d.account_id = fetch_status.account_id AND "
                   "d.device_id = fetch_status.device_id AND " +
                       std::string(removable_device) + ")",
                   cutoff);
  report.devices = exec_with_cutoff(
      db,
      "DELETE FROM devices WHERE rowid IN (SELECT d.rowid FROM devices d WHERE " +
          std::string(removable_device) + ")",
      cutoff);
}

}  // namespace

PruneReport Store::prune(const PruneRequest& request) {
  SQLite::Database& db = impl_->db;
  Transaction transaction(db, Transaction::Kind::write);
  PruneReport report;
  const std::string cutoff = format_iso8601(request.cutoff);
  const std::optional<store::Checkpoint> previous = store::read_checkpoint(db);
  report.through_seq = previous ? previous->events.after_id.value_or(0) : 0;

  const std::int64_t through_poll = pruneable_through_poll(db, request, cutoff, report.held_by_sink);
  if (through_poll > (previous ? previous->through_poll_id : 0)) {
    const auto bound = [&](SQLite::Statement& q) { q.bind(1, through_poll); };
    const std::optional<std::int64_t> through_seq =
        optional_int64(db, "SELECT MAX(seq) FROM events WHERE poll_id <= ?1", bound);
    const std::optional<std::int64_t> through_baseline = optional_int64(
        db, "SELECT MAX(baseline_id) FROM baselines WHERE poll_id IS NULL OR poll_id <= ?1", bound);
    if (through_seq || through_baseline) {
      const store::Checkpoint next =
          fold_into_checkpoint(db, impl_->path, previous, through_poll, through_seq.value_or(0),
                               through_baseline.value_or(0), report);
      // The diff treats a live device with a device.added event as announced; keep that fact.
      SQLite::Statement announce(
          db,
          "INSERT OR IGNORE INTO retention_announced (account_id, device_id) "
          "SELECT DISTINCT e.account_id, e.device_id FROM events e JOIN devices d "
          "ON d.account_id = e.account_id AND d.device_id = e.device_id "
          "WHERE e.seq <= ?1 AND e.type = 'device.added' AND d.removed_at IS NULL");
      announce.bind(1, through_seq.value_or(0));
      announce.exec();
      SQLite::Statement events(db, "DELETE FROM events WHERE seq <= ?1");
      events.bind(1, through_seq.value_or(0));
      events.exec();
      SQLite::Statement baselines(db, "DELETE FROM baselines WHERE baseline_id <= ?1");
      baselines.bind(1, through_baseline.value_or(0));
      baselines.exec();
      store::write_checkpoint(db, next, format_iso8601(request.now), cutoff);
      report.through_seq = next.events.after_id.value_or(0);
    }
  }
  report.polls = prune_polls(db, cutoff);
  prune_removed_items(db, cutoff, report);
  if (!request.dry_run) transaction.commit();  // else the destructor rolls everything back
  return report;
}

bool Store::incremental_vacuum_enabled() {
  return impl_->db.execAndGet("PRAGMA auto_vacuum").getInt() == 2;
}

std::int64_t Store::page_size() { return impl_->db.execAndGet("PRAGMA page_size").getInt64(); }

std::int64_t Store::reclaim_space(std::int64_t max_pages) {
  SQLite::Database& db = impl_->db;
  if (max_pages <= 0 || !incremental_vacuum_enabled()) return 0;
  const std::int64_t before = db.execAndGet("PRAGMA freelist_count").getInt64();
  if (before == 0) return 0;
  // sqlite3_exec steps the pragma to its end: each step frees one page.
  db.exec("PRAGMA incremental_vacuum(" + std::to_string(max_pages) + ")");
  return before - db.execAndGet("PRAGMA freelist_count").getInt64();
}

}  // namespace kda
