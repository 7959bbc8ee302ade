#include "koodrive_audit/store.hpp"

#include "store/commit.hpp"
#include "store/connection.hpp"
#include "store/event_row.hpp"
#include "store/migrator.hpp"
#include "store/statement_cache.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

namespace kda {

using store::BorrowedStatement;
using store::Transaction;

namespace {

constexpr std::string_view live_devices_sql =
    "SELECT device_id, machine_code, device_name, device_os, create_time, missing_count "
    "FROM devices WHERE account_id = ?1 AND removed_at IS NULL ORDER BY device_id";
constexpr std::string_view live_scopes_sql =
    "SELECT device_id, module_code, scope_id, local_path, target_folder_path, create_time, "
    "missing_count FROM scopes WHERE account_id = ?1 AND removed_at IS NULL "
    "ORDER BY device_id, module_code, scope_id";
constexpr std::string_view device_live_scopes_sql =
    "SELECT device_id, module_code, scope_id, local_path, target_folder_path, create_time, "
    "missing_count FROM scopes WHERE account_id = ?1 AND device_id = ?2 AND removed_at IS NULL "
    "ORDER BY module_code, scope_id";
constexpr std::string_view pair_live_scopes_sql =
    "SELECT device_id, module_code, scope_id, local_path, target_folder_path, create_time, "
    "missing_count FROM scopes WHERE account_id = ?1 AND device_id = ?2 AND module_code = ?3 "
    "AND removed_at IS NULL ORDER BY scope_id";
// polls_by_account (account_id, started_at, then the rowid) serves this without a scan.
constexpr std::string_view newest_poll_sql =
    "SELECT poll_id FROM polls WHERE account_id = ?1 ORDER BY started_at DESC, poll_id DESC "
    "LIMIT 1";
constexpr std::string_view range_live_scopes_sql =
    "SELECT device_id, module_code, scope_id, local_path, target_folder_path, create_time, "
    "missing_count FROM scopes WHERE account_id = ?1 AND device_id BETWEEN ?2 AND ?3 "
    "AND removed_at IS NULL ORDER BY device_id, module_code, scope_id";
constexpr std::string_view live_scope_count_sql =
    "SELECT COUNT(*) FROM scopes WHERE account_id = ?1 AND removed_at IS NULL";
constexpr std::string_view range_fetched_pairs_sql =
    "SELECT device_id, module_code FROM fetch_status WHERE account_id = ?1 "
    "AND device_id BETWEEN ?2 AND ?3 AND last_success_at IS NOT NULL "
    "ORDER BY device_id, module_code";
constexpr std::string_view fetched_pairs_sql =
    "SELECT device_id, module_code FROM fetch_status "
    "WHERE account_id = ?1 AND last_success_at IS NOT NULL";
// Live devices with a device.added event (events_by_device serves the EXISTS), or whose
// device.added event retention pruned (retention_announced).
constexpr std::string_view announced_devices_sql =
    "SELECT d.device_id FROM devices d WHERE d.account_id = ?1 AND d.removed_at IS NULL AND ("
    "EXISTS (SELECT 1 FROM events e WHERE e.account_id = d.account_id AND "
    "e.device_id = d.device_id AND e.type = 'device.added') OR EXISTS (SELECT 1 FROM "
    "retention_announced a WHERE a.account_id = d.account_id AND a.device_id = d.device_id))";
constexpr std::string_view device_list_fetched_sql =
    "SELECT EXISTS (SELECT 1 FROM polls WHERE account_id = ?1 AND outcome IN ('ok', 'partial'))";
constexpr std::string_view pair_failures_sql =
    "SELECT device_id, module_code, consecutive_failures FROM fetch_status "
    "WHERE account_id = ?1 AND consecutive_failures > 0";
// A poll is `failed` exactly when its device list failed, so the streak is the failed polls
// since the last poll that got the list.
constexpr std::string_view device_list_failures_sql =
    "SELECT COUNT(*) FROM polls WHERE account_id = ?1 AND outcome = 'failed' AND poll_id > "
    "COALESCE((SELECT MAX(poll_id) FROM polls "
    "WHERE account_id = ?1 AND outcome IN ('ok', 'partial')), 0)";

const std::string events_after_sql =
    std::string(store::event_select_sql) + "WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2";
constexpr std::string_view last_seq_sql =
    "SELECT seq FROM sqlite_sequence WHERE name = 'events'";

constexpr std::string_view sink_cursor_sql = "SELECT last_seq FROM sink_cursors WHERE sink = ?1";
constexpr std::string_view set_sink_cursor_sql =
    "INSERT INTO sink_cursors (sink, last_seq, updated_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (sink) DO UPDATE SET last_seq = excluded.last_seq, "
    "updated_at = excluded.updated_at";

constexpr std::string_view sink_health_sql =
    "SELECT failures, failing_since, last_error, next_attempt_at, disabled_at "
    "FROM sink_cursors WHERE sink = ?1";
constexpr std::string_view set_sink_health_sql =
    "INSERT INTO sink_cursors (sink, last_seq, updated_at, failures, failing_since, last_error, "
    "next_attempt_at, disabled_at) VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (sink) DO UPDATE SET failures = excluded.failures, "
    "failing_since = excluded.failing_since, last_error = excluded.last_error, "
    "next_attempt_at = excluded.next_attempt_at, disabled_at = excluded.disabled_at";

std::optional<SystemTime> optional_time(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return parse_iso8601(column.getString());
}

void bind_optional_time(SQLite::Statement& statement, int index,
                        const std::optional<SystemTime>& time) {
  if (time) {
    statement.bind(index, format_iso8601(*time));
  } else {
    statement.bind(index);
  }
}

}  // namespace

Store Store::open(const std::filesystem::path& path, StoreOptions options) {
  SQLite::Database db = store::open_connection(path);
  return Store(std::make_unique<Impl>(path, std::move(db), std::move(options)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::filesystem::path& Store::path() const noexcept { return impl_->path; }

MigrationReport Store::migrate() { return migrate(embedded_migrations()); }

MigrationReport Store::migrate(std::span<const Migration> migrations) {
  return store::apply_migrations(impl_->db, impl_->path, migrations);
}

int Store::schema_version() { return store::user_version(impl_->db); }

namespace {

void assign_text(std::string& to, const SQLite::Column& column) {
  // The blob first, then its size: the order SQLite documents as safe.
  const auto* text = static_cast<const char*>(column.getBlob());
  to.assign(text, static_cast<std::size_t>(column.getBytes()));
}

// read_scope_row into an existing row: assign() keeps the strings' capacity.
void read_scope_row_into(SQLite::Statement& q, ScopeRow& row) {
  assign_text(row.device_id, q.getColumn(0));
  row.scope.module_code = q.getColumn(1).getInt();
  assign_text(row.scope.scope_id, q.getColumn(2));
  assign_text(row.scope.local_path, q.getColumn(3));
  assign_text(row.scope.target_folder_path, q.getColumn(4));
  assign_text(row.scope.create_time, q.getColumn(5));
  row.missing_count = q.getColumn(6).getInt();
}

void read_fetched_pair_into(SQLite::Statement& q, PairKey& pair) {
  assign_text(pair.device_id, q.getColumn(0));
  pair.module_code = q.getColumn(1).getInt();
}

// The rows of a query over the devices from `first` to `last` of an account, read over
// rows[0, n) (growing `rows` when needed, the elements past n left as they were); n returned.
template <class Row, class ReadInto>
std::size_t read_device_range_over(SQLite::Statement& q, const std::string& account_id,
                                   const std::string& first, const std::string& last,
                                   std::vector<Row>& rows, ReadInto read_into) {
  q.bind(1, account_id);
  q.bind(2, first);
  q.bind(3, last);
  std::size_t read = 0;
  while (q.executeStep()) {
    if (read == rows.size()) rows.emplace_back();
    read_into(q, rows[read++]);
  }
  return read;
}

ScopeRow read_scope_row(SQLite::Statement& q) {
  ScopeRow row;
  read_scope_row_into(q, row);
  return row;
}

}  // namespace

Snapshot Store::load_snapshot(const std::string& account_id) {
  // One read transaction: the queries see the same commit.
  Transaction transaction(impl_->db, Transaction::Kind::read);
  Snapshot snapshot = load_snapshot_head(account_id).snapshot;
  {
    BorrowedStatement q = impl_->statements.borrow(live_scopes_sql);
    q->bind(1, account_id);
    while (q->executeStep()) {
      ScopeRow row = read_scope_row(*q);
      // ORDER BY matches ScopeKey's order (both compare bytes), so the hint is usually right.
      ScopeKey key = row.key();
      snapshot.scopes.emplace_hint(snapshot.scopes.end(), std::move(key), std::move(row));
    }
  }
  transaction.commit();
  return snapshot;
}

std::vector<ScopeRow> Store::live_scopes(const std::string& account_id,
                                         const std::string& device_id) {
  std::vector<ScopeRow> rows;
  BorrowedStatement q = impl_->statements.borrow(device_live_scopes_sql);
  q->bind(1, account_id);
  q->bind(2, device_id);
  while (q->executeStep()) rows.push_back(read_scope_row(*q));
  return rows;
}

std::vector<ScopeRow> Store::live_scopes(const std::string& account_id, const PairKey& pair) {
  std::vector<ScopeRow> rows;
  BorrowedStatement q = impl_->statements.borrow(pair_live_scopes_sql);
  q->bind(1, account_id);
  q->bind(2, pair.device_id);
  q->bind(3, pair.module_code);
  while (q->executeStep()) rows.push_back(read_scope_row(*q));
  return rows;
}

std::size_t Store::live_scopes_between(const std::string& account_id,
                                       const std::string& first_device,
                                       const std::string& last_device,
                                       std::vector<ScopeRow>& rows) {
  BorrowedStatement q = impl_->statements.borrow(range_live_scopes_sql);
  return read_device_range_over(*q, account_id, first_device, last_device, rows,
                                read_scope_row_into);
}

std::size_t Store::live_scope_count(const std::string& account_id) {
  BorrowedStatement q = impl_->statements.borrow(live_scope_count_sql);
  q->bind(1, account_id);
  q->executeStep();
  return static_cast<std::size_t>(q->getColumn(0).getInt64());
}

std::size_t Store::fetched_pairs_between(const std::string& account_id,
                                         const std::string& first_device,
                                         const std::string& last_device,
                                         std::vector<PairKey>& pairs) {
  BorrowedStatement q = impl_->statements.borrow(range_fetched_pairs_sql);
  return read_device_range_over(*q, account_id, first_device, last_device, pairs,
                                read_fetched_pair_into);
}

SnapshotHead Store::load_snapshot_head(const std::string& account_id, HeadPairs pairs) {
  SnapshotHead head;
  Snapshot& snapshot = head.snapshot;
  snapshot.account_id = account_id;
  // One read transaction, so that the queries see the same commit; load_snapshot has its own
  // open already (SQLite transactions do not nest).
  std::optional<Transaction> transaction;
  if (!store::in_transaction(impl_->db)) transaction.emplace(impl_->db, Transaction::Kind::read);
  {
    BorrowedStatement q = impl_->statements.borrow(newest_poll_sql);
    q->bind(1, account_id);
    if (q->executeStep()) head.newest_poll = q->getColumn(0).getInt64();
  }
  {
    BorrowedStatement q = impl_->statements.borrow(live_devices_sql);
    q->bind(1, account_id);
    while (q->executeStep()) {
      DeviceRow row;
      row.device.device_id = q->getColumn(0).getString();
      row.device.machine_code = q->getColumn(1).getString();
      row.device.device_name = q->getColumn(2).getString();
      row.device.device_os = q->getColumn(3).getString();
      row.device.create_time = q->getColumn(4).getString();
      row.missing_count = q->getColumn(5).getInt();
      std::string key = row.device.device_id;
      snapshot.devices.emplace_hint(snapshot.devices.end(), std::move(key), std::move(row));
    }
  }
  if (pairs == HeadPairs::load) {
    BorrowedStatement q = impl_->statements.borrow(fetched_pairs_sql);
    q->bind(1, account_id);
    // Rows come in primary-key order, which is PairKey's (bytes, then the module): with the
    // end as hint each insert is constant time instead of a descent through 30,000 keys.
    while (q->executeStep()) {
      snapshot.fetched_pairs.emplace_hint(snapshot.fetched_pairs.end(), q->getColumn(0).getString(),
                                          q->getColumn(1).getInt());
    }
  }
  {
    BorrowedStatement q = impl_->statements.borrow(announced_devices_sql);
    q->bind(1, account_id);
    while (q->executeStep()) {
      snapshot.announced_devices.emplace_hint(snapshot.announced_devices.end(),
                                              q->getColumn(0).getString());
    }
  }
  {
    BorrowedStatement q = impl_->statements.borrow(device_list_fetched_sql);
    q->bind(1, account_id);
    q->executeStep();
    snapshot.device_list_fetched_before = q->getColumn(0).getInt() != 0;
  }
  {
    BorrowedStatement q = impl_->statements.borrow(pair_failures_sql);
    q->bind(1, account_id);
    while (q->executeStep()) {
      snapshot.pair_failures.emplace_hint(
          snapshot.pair_failures.end(),
          PairKey{q->getColumn(0).getString(), q->getColumn(1).getInt()}, q->getColumn(2).getInt());
    }
  }
  {
    BorrowedStatement q = impl_->statements.borrow(device_list_failures_sql);
    q->bind(1, account_id);
    q->executeStep();
    snapshot.device_list_failures = q->getColumn(0).getInt();
  }
  if (transaction) transaction->commit();
  return head;
}

CommitResult Store::commit_poll(const PollCommit& poll) {
  return store::commit_poll(
      store::CommitContext{impl_->db, impl_->statements, impl_->uuids, impl_->options.on_commit_stage},
      poll);
}

std::vector<StoredEvent> Store::events_after(std::int64_t after_seq, std::size_t limit) {
  std::vector<StoredEvent> events;
  if (limit == 0) return events;
  constexpr auto max_limit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  BorrowedStatement q = impl_->statements.borrow(events_after_sql);
  q->bind(1, after_seq);
  q->bind(2, static_cast<std::int64_t>(std::min(limit, max_limit)));
  while (q->executeStep()) events.push_back(store::read_event_row(*q));
  return events;
}

std::int64_t Store::last_seq() {
  BorrowedStatement q = impl_->statements.borrow(last_seq_sql);
  return q->executeStep() ? q->getColumn(0).getInt64() : 0;
}

std::int64_t Store::sink_cursor(std::string_view sink) {
  BorrowedStatement q = impl_->statements.borrow(sink_cursor_sql);
  q->bind(1, std::string(sink));
  return q->executeStep() ? q->getColumn(0).getInt64() : 0;
}

void Store::set_sink_cursor(std::string_view sink, std::int64_t seq, SystemTime now) {
  if (sink.empty()) throw StoreError("set_sink_cursor: empty sink name");
  if (seq < 0) throw StoreError("set_sink_cursor: negative seq " + std::to_string(seq));
  BorrowedStatement q = impl_->statements.borrow(set_sink_cursor_sql);
  q->bind(1, std::string(sink));
  q->bind(2, seq);
  q->bind(3, format_iso8601(now));
  q->exec();
}

SinkHealth Store::sink_health(std::string_view sink) {
  BorrowedStatement q = impl_->statements.borrow(sink_health_sql);
  q->bind(1, std::string(sink));
  SinkHealth health;
  if (!q->executeStep()) return health;
  health.failures = q->getColumn(0).getInt();
  health.failing_since = optional_time(q->getColumn(1));
  health.last_error = q->getColumn(2).isNull() ? std::string{} : q->getColumn(2).getString();
  health.next_attempt_at = optional_time(q->getColumn(3));
  health.disabled_at = optional_time(q->getColumn(4));
  return health;
}

void Store::set_sink_health(std::string_view sink, const SinkHealth& health, SystemTime now) {
  if (sink.empty()) throw StoreError("set_sink_health: empty sink name");
  BorrowedStatement q = impl_->statements.borrow(set_sink_health_sql);
  q->bind(1, std::string(sink));
  q->bind(2, format_iso8601(now));
  q->bind(3, health.failures);
  bind_optional_time(*q, 4, health.failing_since);
  if (health.last_error.empty()) {
    q->bind(5);
  } else {
    q->bind(5, health.last_error);
  }
  bind_optional_time(*q, 6, health.next_attempt_at);
  bind_optional_time(*q, 7, health.disabled_at);
  q->exec();
}

std::int64_t Store::total_changes() {
  return static_cast<std::int64_t>(sqlite3_total_changes64(impl_->db.getHandle()));
}

}  // namespace kda
