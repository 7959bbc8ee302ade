#include "store/commit.hpp"

#include "koodrive_audit/event_json.hpp"
#include "store/baseline_commit.hpp"
#include "store/chain_rows.hpp"
#include "store/transaction.hpp"

#include <boost/uuid/uuid_io.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <variant>

namespace kda::store {

namespace {

// The same query as Store::load_snapshot_head's (polls_by_account serves it).
constexpr std::string_view newest_poll_sql =
    "SELECT poll_id FROM polls WHERE account_id = ?1 ORDER BY started_at DESC, poll_id DESC "
    "LIMIT 1";
constexpr std::string_view upsert_account_sql =
    "INSERT INTO accounts (account_id, name, created_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (account_id) DO UPDATE SET name = excluded.name";

constexpr std::string_view insert_poll_sql =
    "INSERT INTO polls (account_id, started_at, finished_at, outcome, requests, failures, "
    "events, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

// first_seen_at only on insert; a device that comes back keeps its first sighting.
constexpr std::string_view device_seen_sql =
    "INSERT INTO devices (account_id, device_id, machine_code, device_name, device_os, "
    "create_time, first_seen_at, last_seen_at, removed_at, missing_count) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, NULL, 0) "
    "ON CONFLICT (account_id, device_id) DO UPDATE SET "
    "machine_code = excluded.machine_code, device_name = excluded.device_name, "
    "device_os = excluded.device_os, create_time = excluded.create_time, "
    "last_seen_at = excluded.last_seen_at, removed_at = NULL, missing_count = 0";
constexpr std::string_view device_missing_sql =
    "UPDATE devices SET missing_count = ?3 WHERE account_id = ?1 AND device_id = ?2";
constexpr std::string_view device_removed_sql =
    "UPDATE devices SET removed_at = ?3, missing_count = ?4 "
    "WHERE account_id = ?1 AND device_id = ?2";

constexpr std::string_view scope_seen_sql =
    "INSERT INTO scopes (account_id, device_id, module_code, scope_id, local_path, "
    "target_folder_path, create_time, first_seen_at, last_seen_at, removed_at, missing_count) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, NULL, 0) "
    "ON CONFLICT (account_id, device_id, module_code, scope_id) DO UPDATE SET "
    "local_path = excluded.local_path, target_folder_path = excluded.target_folder_path, "
    "create_time = excluded.create_time, last_seen_at = excluded.last_seen_at, "
    "removed_at = NULL, missing_count = 0";
constexpr std::string_view scope_missing_sql =
    "UPDATE scopes SET missing_count = ?5 "
    "WHERE account_id = ?1 AND device_id = ?2 AND module_code = ?3 AND scope_id = ?4";
constexpr std::string_view scope_removed_sql =
    "UPDATE scopes SET removed_at = ?5, missing_count = ?6 "
    "WHERE account_id = ?1 AND device_id = ?2 AND module_code = ?3 AND scope_id = ?4";

// seq is given, not left to AUTOINCREMENT: the hash covers it, and computing it up front saves
// an UPDATE per event (events_tip picks it exactly as AUTOINCREMENT would).
constexpr std::string_view insert_event_sql =
    "INSERT INTO events (seq, event_id, poll_id, observed_at, type, account_id, device_id, "
    "module_code, scope_id, before_json, after_json, cause, prev_hash, hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

// A success resets the failure streak; a failure extends it and keeps last_success_at.
// A success of a pair that is already healthy writes nothing (migration 0004): the view
// current_fetch_status derives its timestamps from the account's polls, so that a poll that
// sees nothing new writes O(accounts) rows, not one per (device, module).
constexpr std::string_view fetch_ok_sql =
    "INSERT INTO fetch_status (account_id, device_id, module_code, last_attempt_at, "
    "last_success_at, consecutive_failures, last_error) VALUES (?1, ?2, ?3, ?4, ?4, 0, NULL) "
    "ON CONFLICT (account_id, device_id, module_code) DO UPDATE SET "
    "last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at, "
    "consecutive_failures = 0, last_error = NULL "
    "WHERE fetch_status.consecutive_failures > 0 OR fetch_status.last_success_at IS NULL";
// When a device leaves the device list, or one of its pairs fails, the view stops deriving the
// timestamps of its pairs: their rows first get what the view showed until now (the previous
// poll that got the list, in which a healthy pair of a listed device succeeded).
constexpr std::string_view settle_pairs_sql =
    "UPDATE fetch_status SET last_attempt_at = ?3, last_success_at = ?3 "
    "WHERE account_id = ?1 AND device_id = ?2 AND consecutive_failures = 0 "
    "AND last_success_at IS NOT NULL AND last_attempt_at < ?3 "
    "AND EXISTS (SELECT 1 FROM devices WHERE account_id = ?1 AND device_id = ?2 "
    "AND removed_at IS NULL AND missing_count = 0)";
constexpr std::string_view last_listed_sql =
    "SELECT max(finished_at) FROM polls WHERE account_id = ?1 AND outcome IN ('ok', 'partial')";
constexpr std::string_view fetch_failed_sql =
    "INSERT INTO fetch_status (account_id, device_id, module_code, last_attempt_at, "
    "last_success_at, consecutive_failures, last_error) VALUES (?1, ?2, ?3, ?4, NULL, 1, ?5) "
    "ON CONFLICT (account_id, device_id, module_code) DO UPDATE SET "
    "last_attempt_at = excluded.last_attempt_at, "
    "consecutive_failures = fetch_status.consecutive_failures + 1, "
    "last_error = excluded.last_error";

void check(const PollCommit& poll) {
  if (poll.account_id.empty()) throw StoreError("commit_poll: empty account_id");
  if (poll.outcome != "ok" && poll.outcome != "partial" && poll.outcome != "failed") {
    throw StoreError("commit_poll: outcome \"" + poll.outcome +
                     "\" is not one of ok, partial, failed");
  }
  // Rule 1: a failed device list fails the poll, and then nothing may change. Audit events
  // (coverage.lost of the device list) are the exception: they say the audit cannot see.
  const bool configuration_changes =
      std::any_of(poll.changes.begin(), poll.changes.end(),
                  [](const Change& change) { return is_configuration_change(change.type); });
  if (poll.outcome == "failed" &&
      (!poll.device_writes.empty() || !poll.scope_writes.empty() ||
       !poll.new_pair_scopes.empty() || configuration_changes ||
       poll.device_list_baseline || !poll.baseline_pairs.empty())) {
    throw StoreError("commit_poll: a failed poll of account " + poll.account_id +
                     " carries snapshot writes or changes");
  }
}

// missing/removed rewrite a row the diff found in the snapshot; if it is not there, the
// snapshot and the diff disagree, and committing would hide it.
void expect_one_row(int changed, std::string_view what, const std::string& account_id,
                    const std::string& key) {
  if (changed != 1) {
    throw StoreError("commit_poll: " + std::string(what) + " " + key + " of account " +
                     account_id + " is not in the store");
  }
}

std::string scope_label(const std::string& device_id, const Scope& s) {
  return device_id + "/" + std::to_string(s.module_code) + "/" + s.scope_id;
}

// Text is bound without a copy (bindNoCopy): the strings outlive each exec, and the copies
// were 7% of a baseline commit's instructions.
void write_device(StatementCache& statements, const std::string& account_id,
                  const std::string& now, const DeviceWrite& w) {
  const Device& d = w.device;
  switch (w.kind) {
    case RowWrite::seen: {
      auto q = statements.borrow(device_seen_sql);
      q->bindNoCopy(1, account_id);
      q->bindNoCopy(2, d.device_id);
      q->bindNoCopy(3, d.machine_code);
      q->bindNoCopy(4, d.device_name);
      q->bindNoCopy(5, d.device_os);
      q->bindNoCopy(6, d.create_time);
      q->bindNoCopy(7, now);
      q->exec();
      return;
    }
    case RowWrite::missing: {
      auto q = statements.borrow(device_missing_sql);
      q->bindNoCopy(1, account_id);
      q->bindNoCopy(2, d.device_id);
      q->bind(3, w.missing_count);
      expect_one_row(q->exec(), "missing device", account_id, d.device_id);
      return;
    }
    case RowWrite::removed: {
      auto q = statements.borrow(device_removed_sql);
      q->bindNoCopy(1, account_id);
      q->bindNoCopy(2, d.device_id);
      q->bindNoCopy(3, now);
      q->bind(4, w.missing_count);
      expect_one_row(q->exec(), "removed device", account_id, d.device_id);
      return;
    }
  }
  throw StoreError("commit_poll: unknown RowWrite value");
}

void write_scope(StatementCache& statements, const std::string& account_id,
                 const std::string& now, RowWrite kind, const std::string& device_id,
                 const Scope& s, int missing_count) {
  const std::string_view sql = kind == RowWrite::seen      ? scope_seen_sql
                               : kind == RowWrite::missing ? scope_missing_sql
                               : kind == RowWrite::removed ? scope_removed_sql
                                                           : std::string_view{};
  if (sql.empty()) throw StoreError("commit_poll: unknown RowWrite value");
  auto q = statements.borrow(sql);
  q->bindNoCopy(1, account_id);
  q->bindNoCopy(2, device_id);
  q->bind(3, s.module_code);
  q->bindNoCopy(4, s.scope_id);
  switch (kind) {
    case RowWrite::seen:
      q->bindNoCopy(5, s.local_path);
      q->bindNoCopy(6, s.target_folder_path);
      q->bindNoCopy(7, s.create_time);
      q->bindNoCopy(8, now);
      q->exec();
      return;
    case RowWrite::missing:
      q->bind(5, missing_count);
      expect_one_row(q->exec(), "missing scope", account_id, scope_label(device_id, s));
      return;
    case RowWrite::removed:
      q->bindNoCopy(5, now);
      q->bind(6, missing_count);
      expect_one_row(q->exec(), "removed scope", account_id, scope_label(device_id, s));
      return;
  }
}

// Both lists of scope writes, merged by pair: rows inserted in key order fill the B-tree's pages
// from left to right instead of splitting pages already written.
void write_scopes(StatementCache& statements, const PollCommit& poll, const std::string& now) {
  const PackedPairScopes& packed = poll.new_pair_scopes;
  std::size_t next_new = 0;
  Scope scratch;
  const auto write_new_pairs_before = [&](const ScopeWrite* w) {
    for (; next_new < packed.pair_count(); ++next_new) {
      const PairKey& pair = packed.pair(next_new);
      if (w != nullptr && std::tie(w->device_id, w->scope.module_code) <
                              std::tie(pair.device_id, pair.module_code)) {
        return;
      }
      packed.for_each_scope(next_new, scratch, [&](const Scope& scope) {
        write_scope(statements, poll.account_id, now, RowWrite::seen, pair.device_id, scope, 0);
      });
    }
  };
  for (const ScopeWrite& w : poll.scope_writes) {
    write_new_pairs_before(&w);
    write_scope(statements, poll.account_id, now, w.kind, w.device_id, w.scope, w.missing_count);
  }
  write_new_pairs_before(nullptr);
}

// The JSON of a before/after record, or std::nullopt (NULL) for nothing.
std::optional<std::string> record_text(const Record& record) {
  if (std::holds_alternative<std::monostate>(record)) return std::nullopt;
  return record_to_json(record);
}

ChainValue chain_text(const std::optional<std::string>& text) {
  if (!text) return std::monostate{};
  return std::string_view(*text);
}

void bind_optional(SQLite::Statement& q, int index, const std::optional<std::string>& text) {
  if (text) {
    q.bind(index, *text);
  } else {
    q.bind(index);
  }
}

// Writes the event as row tip.next_id, linked to tip.prev_hash, and advances the tip. The
// chained values are exactly the bound ones, so the hash is of what is stored.
std::int64_t write_event(CommitContext& c, const PollCommit& poll, std::int64_t poll_id,
                         const std::string& now, const Change& change, ChainTip& tip,
                         std::string& event_id) {
  event_id = boost::uuids::to_string(c.uuids());
  const std::int64_t seq = tip.next_id;
  const std::string_view type = to_string(change.type);
  const std::optional<std::string> before = record_text(change.before);
  const std::optional<std::string> after = record_text(change.after);
  const std::array<ChainValue, event_chain_column_count> columns{
      seq,
      std::string_view(event_id),
      poll_id,
      std::string_view(now),
      type,
      std::string_view(poll.account_id),
      text_or_null(change.device_id),
      change.module_code ? ChainValue{std::int64_t{*change.module_code}} : ChainValue{},
      text_or_null(change.scope_id),
      chain_text(before),
      chain_text(after),
      text_or_null(change.cause)};
  std::string hash = chain_hash(tip.prev_hash, columns);

  auto q = c.statements.borrow(insert_event_sql);
  q->bind(1, seq);
  q->bind(2, event_id);
  q->bind(3, poll_id);
  q->bind(4, now);
  q->bind(5, std::string(type));
  q->bind(6, poll.account_id);
  bind_text_or_null(*q, 7, change.device_id);
  if (change.module_code) {
    q->bind(8, *change.module_code);
  } else {
    q->bind(8);
  }
  bind_text_or_null(*q, 9, change.scope_id);
  bind_optional(*q, 10, before);
  bind_optional(*q, 11, after);
  bind_text_or_null(*q, 12, change.cause);
  q->bind(13, tip.prev_hash);
  q->bind(14, hash);
  q->exec();
  ++tip.next_id;
  tip.prev_hash = std::move(hash);
  return seq;
}

// See settle_pairs_sql: the devices that leave the list, and those with a pair failing now (a
// failure keeps last_success_at, which must then be the real one). Runs before this poll's
// rows are written, so that the newest poll that got the list is the previous one and the
// device rows still say whether the device was in it.
void settle_pairs(StatementCache& statements, const PollCommit& poll) {
  std::set<std::string> devices;
  for (const DeviceWrite& w : poll.device_writes) {
    if (w.kind != RowWrite::seen) devices.insert(w.device.device_id);
  }
  for (const PairAttempt& a : poll.attempts) {
    if (!a.ok) devices.insert(a.pair.device_id);
  }
  if (devices.empty()) return;
  std::string last_listed;
  {
    auto q = statements.borrow(last_listed_sql);
    q->bind(1, poll.account_id);
    if (q->executeStep() && !q->getColumn(0).isNull()) last_listed = q->getColumn(0).getString();
  }
  if (last_listed.empty()) return;
  for (const std::string& device_id : devices) {
    auto q = statements.borrow(settle_pairs_sql);
    q->bind(1, poll.account_id);
    q->bind(2, device_id);
    q->bind(3, last_listed);
    q->exec();
  }
}

void write_attempt(StatementCache& statements, const std::string& account_id,
                   const std::string& now, const PairAttempt& a) {
  auto q = statements.borrow(a.ok ? fetch_ok_sql : fetch_failed_sql);
  q->bindNoCopy(1, account_id);
  q->bindNoCopy(2, a.pair.device_id);
  q->bind(3, a.pair.module_code);
  q->bindNoCopy(4, now);
  if (!a.ok) q->bindNoCopy(5, a.error);
  q->exec();
}

// Inside the write transaction, so no other commit can come between the check and the writes.
void check_newest_poll(StatementCache& statements, const PollCommit& poll) {
  auto q = statements.borrow(newest_poll_sql);
  q->bind(1, poll.account_id);
  const std::int64_t newest = q->executeStep() ? q->getColumn(0).getInt64() : 0;
  if (newest != *poll.expected_newest_poll) {
    throw PollConflict("account " + poll.account_id + " was polled by another process during this "
                     "poll (its newest poll is now " + std::to_string(newest) + ", was " +
                     std::to_string(*poll.expected_newest_poll) +
                     "); nothing committed, the next poll diffs again");
  }
}

}  // namespace

CommitResult commit_poll(CommitContext c, const PollCommit& poll) {
  check(poll);
  const auto stage = [&](std::string_view name) {
    if (c.on_stage) c.on_stage(name);
  };
  const std::string started = format_iso8601(poll.started_at);
  const std::string now = format_iso8601(poll.finished_at);
  CommitResult result;

  Transaction transaction(c.db, Transaction::Kind::write);
  if (poll.expected_newest_poll) check_newest_poll(c.statements, poll);
  const int changes_before = c.db.getTotalChanges();
  {
    auto q = c.statements.borrow(upsert_account_sql);
    q->bind(1, poll.account_id);
    bind_text_or_null(*q, 2, poll.account_name);
    q->bind(3, now);
    q->exec();
  }
  stage("account");
  settle_pairs(c.statements, poll);
  {
    auto q = c.statements.borrow(insert_poll_sql);
    q->bind(1, poll.account_id);
    q->bind(2, started);
    q->bind(3, now);
    q->bind(4, poll.outcome);
    q->bind(5, poll.requests);
    q->bind(6, poll.failures);
    q->bind(7, static_cast<std::int64_t>(poll.changes.size()));
    bind_text_or_null(*q, 8, poll.error);
    q->exec();
    result.poll_id = c.db.getLastInsertRowid();
  }
  stage("poll");
  for (const DeviceWrite& w : poll.device_writes) write_device(c.statements, poll.account_id, now, w);
  stage("devices");
  write_scopes(c.statements, poll, now);
  stage("scopes");
  result.event_ids.reserve(poll.changes.size());
  // Only a poll with events reads the chain's tip: a poll that sees nothing stays cheap.
  std::optional<ChainTip> tip;
  if (!poll.changes.empty()) tip = events_tip(c.statements);
  for (const Change& change : poll.changes) {
    std::string event_id;
    const std::int64_t seq = write_event(c, poll, result.poll_id, now, change, *tip, event_id);
    if (result.first_seq == 0) result.first_seq = seq;
    result.last_seq = seq;
    result.event_ids.push_back(std::move(event_id));
  }
  stage("events");
  write_baselines(c.statements, poll, result.poll_id, now);
  stage("baselines");
  for (const PairAttempt& a : poll.attempts) write_attempt(c.statements, poll.account_id, now, a);
  stage("fetch_status");
  stage("before_commit");
  result.rows_written = c.db.getTotalChanges() - changes_before;
  transaction.commit();
  return result;
}

}  // namespace kda::store
