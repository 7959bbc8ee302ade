// Store::verify: the hash chains, the replay and the comparison with the live tables, in one
// read transaction. The pure parts are store/chain_hash and store/replay; this file reads.
#include "koodrive_audit/store.hpp"

#include "store/chain_hash.hpp"
#include "store/chain_rows.hpp"
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

using store::ChainValue;

// Walks one chain in key order, checking each row as it is read: its hash against its columns,
// its prev_hash against the row before it. The current row stays readable until the next step.
class ChainWalk {
 public:
  ChainWalk(SQLite::Database& db, std::string_view table, std::string_view key,
            std::string_view columns, int column_count, std::string word, bool events)
      : q_(db, "SELECT " + std::string(columns) + ", prev_hash, hash FROM " + std::string(table) +
                   " ORDER BY " + std::string(key)),
        column_count_(column_count),
        word_(std::move(word)),
        events_(events) {}

  // Steps to the next row and checks it; false after the last row.
  bool next(std::vector<VerifyProblem>& problems) {
    has_row_ = q_.executeStep();
    if (!has_row_) return false;
    ++rows_;
    const std::int64_t id = q_.getColumn(0).getInt64();
    const auto problem = [&](const std::string& text) {
      VerifyProblem p{word_ + " " + std::to_string(id) + ": " + text, {}, {}};
      (events_ ? p.seq : p.baseline_id) = id;
      problems.push_back(std::move(p));
    };

    std::vector<ChainValue> values(static_cast<std::size_t>(column_count_));
    bool hashable = true;
    for (int i = 0; i < column_count_; ++i) {
      const auto value = store::stored_chain_value(q_.getColumn(i));
      if (!value) {
        problem(std::string("column ") + q_.getColumnName(i) +
                " holds a REAL or BLOB value, which the store never writes");
        hashable = false;
      } else {
        values[static_cast<std::size_t>(i)] = *value;
      }
    }
    const std::string prev_hash = store::text_or_empty(q_, column_count_);
    std::string hash = store::text_or_empty(q_, column_count_ + 1);

    if (prev_id_ && id > *prev_id_ + 1) {
      // Ids are never skipped (explicit next id, rolled back with a failed commit), so a gap is
      // deleted rows; it is named by its first id, the first bad one.
      const std::int64_t first_missing = *prev_id_ + 1;
      VerifyProblem p{word_ + " " + std::to_string(first_missing) +
                          (id - 1 > first_missing ? ".." + std::to_string(id - 1) : std::string()) +
                          ": missing (deleted): the chain goes from " + word_ + " " +
                          std::to_string(*prev_id_) + " to " + word_ + " " + std::to_string(id),
                      {}, {}};
      (events_ ? p.seq : p.baseline_id) = first_missing;
      problems.push_back(std::move(p));
    }
    if (prev_hash != expected_prev_) {
      if (!prev_id_) {
        problem("prev_hash is not the genesis hash (64 zeros), as the first row's must be: "
                "rows before it were deleted");
      } else {
        problem("prev_hash does not match the hash of " + word_ + " " + std::to_string(*prev_id_) +
                ", the row before it");
      }
    }
    if (hash.empty()) {
      problem("hash is missing");
    } else if (hashable && store::chain_hash(prev_hash, values) != hash) {
      problem("hash does not match the row's contents: a column was changed after the row "
              "was written");
    }
    expected_prev_ = std::move(hash);
    prev_id_ = id;
    return true;
  }

  bool has_row() const noexcept { return has_row_; }
  const SQLite::Statement& row() const noexcept { return q_; }
  std::int64_t rows() const noexcept { return rows_; }
  std::optional<std::int64_t> last_id() const noexcept { return prev_id_; }

 private:
  SQLite::Statement q_;
  int column_count_;
  std::string word_;
  bool events_;
  bool has_row_ = false;
  std::int64_t rows_ = 0;
  std::string expected_prev_{store::genesis_hash};
  std::optional<std::int64_t> prev_id_;
};

std::optional<int> optional_int(const SQLite::Statement& q, int index) {
  if (q.isColumnNull(index)) return std::nullopt;
  return q.getColumn(index).getInt();
}

std::string json_or_null(const SQLite::Statement& q, int index) {
  return q.isColumnNull(index) ? std::string("null") : q.getColumn(index).getString();
}

// Column indexes within event_chain_columns and baseline_chain_columns.
store::ReplayEvent replay_event(const SQLite::Statement& q) {
  store::ReplayEvent e;
  e.seq = q.getColumn(0).getInt64();
  e.type = store::text_or_empty(q, 4);
  e.account_id = store::text_or_empty(q, 5);
  e.device_id = store::text_or_empty(q, 6);
  e.module_code = optional_int(q, 7);
  e.scope_id = store::text_or_empty(q, 8);
  e.before_json = json_or_null(q, 9);
  e.after_json = json_or_null(q, 10);
  return e;
}

store::ReplayBaseline replay_baseline(const SQLite::Statement& q) {
  store::ReplayBaseline b;
  b.baseline_id = q.getColumn(0).getInt64();
  b.account_id = store::text_or_empty(q, 3);
  b.device_id = store::text_or_empty(q, 4);
  b.module_code = optional_int(q, 5);
  b.records_json = store::text_or_empty(q, 6);
  return b;
}

// Replay order: polls in order, a poll's baselines before its events. The migration's baselines
// (poll_id NULL) come before every poll.
std::int64_t baseline_poll(const SQLite::Statement& q) {
  return q.isColumnNull(1) ? 0 : q.getColumn(1).getInt64();
}
std::int64_t event_poll(const SQLite::Statement& q) { return q.getColumn(2).getInt64(); }

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

void check_poll_counts(SQLite::Database& db, std::vector<VerifyProblem>& problems) {
  SQLite::Statement q(db,
                      "SELECT poll_id, events, stored FROM (SELECT p.poll_id, p.events, "
                      "(SELECT count(*) FROM events AS e WHERE e.poll_id = p.poll_id) AS stored "
                      "FROM polls AS p) WHERE events <> stored ORDER BY poll_id");
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

  std::int64_t replay_after_seq = 0;
  {
    SQLite::Statement q(db, "SELECT replay_after_seq FROM chain_origin WHERE origin_id = 1");
    if (q.executeStep()) {
      replay_after_seq = q.getColumn(0).getInt64();
    } else {
      checks.push_back({"chain_origin: the row is missing (migration 0003 writes it)", {}, {}});
    }
  }

  ChainWalk events(db, "events", "seq", store::event_chain_columns,
                   store::event_chain_column_count, "seq", true);
  ChainWalk baselines(db, "baselines", "baseline_id", store::baseline_chain_columns,
                      store::baseline_chain_column_count, "baseline", false);
  store::Replay replay;
  events.next(event_chain);
  baselines.next(baseline_chain);
  while (events.has_row() || baselines.has_row()) {
    const bool baseline_first =
        baselines.has_row() &&
        (!events.has_row() || baseline_poll(baselines.row()) <= event_poll(events.row()));
    if (baseline_first) {
      replay.apply(replay_baseline(baselines.row()), replayed);
      baselines.next(baseline_chain);
    } else {
      const store::ReplayEvent event = replay_event(events.row());
      if (event.seq > replay_after_seq && replay.apply(event, replayed)) ++report.replayed_events;
      events.next(event_chain);
    }
  }
  report.events = events.rows();
  report.baselines = baselines.rows();

  check_tail(db, "events", "seq", true, events.last_id(), checks);
  check_tail(db, "baselines", "baseline", false, baselines.last_id(), checks);
  check_poll_counts(db, checks);

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
