// The store's read side for the CLI (`history`, `status`): queries only, never a write.
#include "koodrive_audit/store.hpp"

#include "store/connection.hpp"
#include "store/event_row.hpp"
#include "store/statement_cache.hpp"
#include "store/store_impl.hpp"
#include "store/transaction.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace kda {

using store::BorrowedStatement;

namespace {

constexpr std::string_view has_device_sql =
    "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = ?1)";
constexpr std::string_view accounts_sql =
    "SELECT account_id, name, created_at FROM accounts ORDER BY account_id";
// polls_by_account (account_id, started_at) serves the ORDER BY; poll_id breaks a tie.
constexpr std::string_view recent_polls_sql =
    "SELECT poll_id, account_id, started_at, finished_at, outcome, requests, failures, events, "
    "error FROM polls WHERE account_id = ?1 "
    "ORDER BY started_at DESC, poll_id DESC LIMIT ?2";
// failing_since: see FailingPair in store.hpp for why the count must match.
constexpr std::string_view failing_pairs_sql =
    "SELECT f.device_id, d.device_name, f.module_code, f.consecutive_failures, "
    "       f.last_attempt_at, f.last_success_at, f.last_error, "
    "       (SELECT CASE WHEN count(*) = f.consecutive_failures THEN min(p.finished_at) END "
    "          FROM polls AS p "
    "         WHERE p.account_id = f.account_id AND p.outcome = 'partial' "
    "           AND p.finished_at >= d.first_seen_at "
    "           AND p.finished_at > IFNULL(f.last_success_at, '') "
    "           AND p.finished_at <= f.last_attempt_at) "
    "  FROM fetch_status AS f "
    "  JOIN devices AS d ON d.account_id = f.account_id AND d.device_id = f.device_id "
    " WHERE f.account_id = ?1 AND f.consecutive_failures > 0 AND d.removed_at IS NULL "
    " ORDER BY f.consecutive_failures DESC, d.device_name, f.device_id, f.module_code";
// Grouped by type rather than filtered with `type IN (...)`: one statement for any list of
// types, and seq > ?1 is a range scan of the primary key either way.
constexpr std::string_view pending_by_type_sql =
    "SELECT type, count(*) FROM events WHERE seq > ?1 GROUP BY type";

std::int64_t to_sql_limit(std::size_t n) {
  constexpr auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(n, max));
}

// Only the filters given become SQL conditions, so that SQLite can use events_by_observed_at
// for --since (an `?1 IS NULL OR ...` condition would defeat the index).
std::string history_sql(const HistoryFilter& filter) {
  std::string where;
  const auto add = [&where](std::string_view condition) {
    where += where.empty() ? "WHERE " : " AND ";
    where += condition;
  };
  if (filter.since) add("e.observed_at >= :since");
  if (filter.device_id) add("e.device_id = :device_id");
  if (filter.type) add("e.type = :type");
  std::string sql = std::string(store::event_select_sql) + where;
  if (!filter.limit) return sql + " ORDER BY e.seq";
  // The newest `limit`, handed back oldest first like every other answer.
  return "SELECT * FROM (" + sql + " ORDER BY e.seq DESC LIMIT :limit) ORDER BY seq";
}

}  // namespace

Store Store::open_read_only(const std::filesystem::path& path) {
  SQLite::Database db = store::open_read_only_connection(path);
  return Store(std::make_unique<Impl>(path, std::move(db), StoreOptions{}));
}

void Store::read_consistently(const std::function<void()>& reads) {
  store::Transaction transaction(impl_->db, store::Transaction::Kind::read);
  reads();
  transaction.commit();
}

std::vector<StoredEvent> Store::history(const HistoryFilter& filter) {
  std::vector<StoredEvent> events;
  if (filter.limit && *filter.limit == 0) return events;
  // Not cached: the text depends on the filter, and a CLI process runs it once.
  SQLite::Statement q(impl_->db, history_sql(filter));
  if (filter.since) q.bind(":since", *filter.since);
  if (filter.device_id) q.bind(":device_id", *filter.device_id);
  if (filter.type) q.bind(":type", *filter.type);
  if (filter.limit) q.bind(":limit", to_sql_limit(*filter.limit));
  while (q.executeStep()) events.push_back(store::read_event_row(q));
  return events;
}

bool Store::has_device(std::string_view device_id) {
  BorrowedStatement q = impl_->statements.borrow(has_device_sql);
  q->bind(1, std::string(device_id));
  q->executeStep();
  return q->getColumn(0).getInt() != 0;
}

std::vector<AccountRow> Store::accounts() {
  std::vector<AccountRow> rows;
  BorrowedStatement q = impl_->statements.borrow(accounts_sql);
  while (q->executeStep()) {
    rows.push_back(AccountRow{q->getColumn(0).getString(), store::text_or_empty(*q, 1),
                              q->getColumn(2).getString()});
  }
  return rows;
}

std::vector<PollRow> Store::recent_polls(const std::string& account_id, std::size_t n) {
  std::vector<PollRow> rows;
  if (n == 0) return rows;
  BorrowedStatement q = impl_->statements.borrow(recent_polls_sql);
  q->bind(1, account_id);
  q->bind(2, to_sql_limit(n));
  while (q->executeStep()) {
    PollRow row;
    row.poll_id = q->getColumn(0).getInt64();
    row.account_id = q->getColumn(1).getString();
    row.started_at = q->getColumn(2).getString();
    row.finished_at = q->getColumn(3).getString();
    row.outcome = q->getColumn(4).getString();
    row.requests = q->getColumn(5).getInt64();
    row.failures = q->getColumn(6).getInt64();
    row.events = q->getColumn(7).getInt64();
    row.error = store::text_or_empty(*q, 8);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<FailingPair> Store::failing_pairs(const std::string& account_id) {
  std::vector<FailingPair> rows;
  BorrowedStatement q = impl_->statements.borrow(failing_pairs_sql);
  q->bind(1, account_id);
  while (q->executeStep()) {
    FailingPair row;
    row.device_id = q->getColumn(0).getString();
    row.device_name = q->getColumn(1).getString();
    row.module_code = q->getColumn(2).getInt();
    row.consecutive_failures = q->getColumn(3).getInt64();
    row.last_attempt_at = q->getColumn(4).getString();
    row.last_success_at = store::text_or_empty(*q, 5);
    row.last_error = store::text_or_empty(*q, 6);
    if (!q->isColumnNull(7)) row.failing_since = q->getColumn(7).getString();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::int64_t Store::backlog(std::string_view sink, std::span<const std::string> types) {
  const std::int64_t cursor = sink_cursor(sink);
  BorrowedStatement q = impl_->statements.borrow(pending_by_type_sql);
  q->bind(1, cursor);
  std::int64_t pending = 0;
  while (q->executeStep()) {
    const std::string type = q->getColumn(0).getString();
    if (types.empty() || std::find(types.begin(), types.end(), type) != types.end()) {
      pending += q->getColumn(1).getInt64();
    }
  }
  return pending;
}

}  // namespace kda
