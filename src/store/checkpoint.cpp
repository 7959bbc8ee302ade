#include "store/checkpoint.hpp"

#include "store/chain_hash.hpp"
#include "store/chain_rows.hpp"
#include "store/statement_cache.hpp"

#include <SQLiteCpp/Statement.h>

#include <array>

namespace kda::store {

namespace {

constexpr std::string_view state_columns =
    "state_id, account_id, device_id, module_code, records_json";
constexpr int state_column_count = 5;

std::optional<int> optional_int(const SQLite::Statement& q, int index) {
  if (q.isColumnNull(index)) return std::nullopt;
  return q.getColumn(index).getInt();
}

std::string json_or_null(const SQLite::Statement& q, int index) {
  return q.isColumnNull(index) ? std::string("null") : q.getColumn(index).getString();
}

// Column indexes within event_chain_columns and baseline_chain_columns.
ReplayEvent replay_event(const SQLite::Statement& q) {
  ReplayEvent e;
  e.seq = q.getColumn(0).getInt64();
  e.type = text_or_empty(q, 4);
  e.account_id = text_or_empty(q, 5);
  e.device_id = text_or_empty(q, 6);
  e.module_code = optional_int(q, 7);
  e.scope_id = text_or_empty(q, 8);
  e.before_json = json_or_null(q, 9);
  e.after_json = json_or_null(q, 10);
  return e;
}

ReplayBaseline replay_baseline(const SQLite::Statement& q) {
  ReplayBaseline b;
  b.baseline_id = q.getColumn(0).getInt64();
  b.account_id = text_or_empty(q, 3);
  b.device_id = text_or_empty(q, 4);
  b.module_code = optional_int(q, 5);
  b.records_json = text_or_empty(q, 6);
  return b;
}

std::int64_t baseline_poll(const SQLite::Statement& q) {
  return q.isColumnNull(1) ? 0 : q.getColumn(1).getInt64();
}
std::int64_t event_poll(const SQLite::Statement& q) { return q.getColumn(2).getInt64(); }

ChainStart chain_start(const SQLite::Statement& q, int id_column) {
  ChainStart start;
  if (const std::int64_t id = q.getColumn(id_column).getInt64(); id > 0) {
    start.after_id = id;
    start.prev_hash = q.getColumn(id_column + 1).getString();
  }
  return start;
}

}  // namespace

std::optional<Checkpoint> read_checkpoint(SQLite::Database& db) {
  SQLite::Statement q(db,
                      "SELECT through_poll_id, through_seq, through_seq_hash, through_baseline_id, "
                      "through_baseline_hash, state_hash FROM retention_checkpoint "
                      "WHERE checkpoint_id = 1");
  if (!q.executeStep()) return std::nullopt;
  Checkpoint c;
  c.through_poll_id = q.getColumn(0).getInt64();
  c.events = chain_start(q, 1);
  c.baselines = chain_start(q, 3);
  c.state_hash = q.getColumn(5).getString();
  return c;
}

void replay_state(SQLite::Database& db, const std::string& expected_hash, Replay& replay,
                  std::vector<VerifyProblem>& problems) {
  SQLite::Statement q(db, "SELECT " + std::string(state_columns) +
                              " FROM retention_state ORDER BY state_id");
  std::string hash(genesis_hash);
  std::int64_t expected_id = 1;
  bool ids_ok = true;
  while (q.executeStep()) {
    std::array<ChainValue, state_column_count> values;
    for (int i = 0; i < state_column_count; ++i) {
      const auto value = stored_chain_value(q.getColumn(i));
      values[static_cast<std::size_t>(i)] = value ? *value : ChainValue{};
    }
    hash = chain_hash(hash, values);
    ids_ok = ids_ok && q.getColumn(0).getInt64() == expected_id++;
    ReplayBaseline b;
    b.account_id = text_or_empty(q, 1);
    b.device_id = text_or_empty(q, 2);
    b.module_code = optional_int(q, 3);
    b.records_json = text_or_empty(q, 4);
    replay.apply(b, problems);
  }
  if (hash != expected_hash || !ids_ok) {
    problems.push_back({"retention_state: its rows do not hash to retention_checkpoint.state_hash: "
                        "a row was changed, added or deleted after the prune",
                        {}, {}});
  }
}

std::string write_state(SQLite::Database& db, const Items& items) {
  db.exec("DELETE FROM retention_state");
  SQLite::Statement insert(db, "INSERT INTO retention_state (" + std::string(state_columns) +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5)");
  std::string hash(genesis_hash);
  std::int64_t id = 0;
  const auto write = [&](const std::string& account_id, const std::string& device_id,
                         std::optional<int> module_code, std::string records) {
    records = close_records(std::move(records));
    ++id;
    const std::array<ChainValue, state_column_count> values{
        id, std::string_view(account_id), text_or_null(device_id),
        module_code ? ChainValue{std::int64_t{*module_code}} : ChainValue{},
        std::string_view(records)};
    hash = chain_hash(hash, values);
    insert.bind(1, id);
    insert.bind(2, account_id);
    bind_text_or_null(insert, 3, device_id);
    if (module_code) {
      insert.bind(4, *module_code);
    } else {
      insert.bind(4);
    }
    insert.bind(5, records);
    insert.exec();
    insert.reset();
  };
  for (const auto& [account_id, account] : items) {
    if (!account.devices.empty()) {
      std::string records;
      for (const auto& [device_id, device] : account.devices) append_record(records, device);
      write(account_id, "", std::nullopt, std::move(records));
    }
    std::string records;
    const ScopeKey* group = nullptr;
    for (const auto& [key, scope] : account.scopes) {
      if (group != nullptr && group->pair() != key.pair()) {
        write(account_id, group->device_id, group->module_code, std::move(records));
        records.clear();
      }
      append_record(records, scope);
      group = &key;
    }
    if (group != nullptr) write(account_id, group->device_id, group->module_code, std::move(records));
  }
  return hash;
}

void write_checkpoint(SQLite::Database& db, const Checkpoint& c, const std::string& pruned_at,
                      const std::string& cutoff) {
  SQLite::Statement q(db,
                      "INSERT OR REPLACE INTO retention_checkpoint (checkpoint_id, pruned_at, "
                      "cutoff, through_poll_id, through_seq, through_seq_hash, "
                      "through_baseline_id, through_baseline_hash, state_hash) "
                      "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  q.bind(1, pruned_at);
  q.bind(2, cutoff);
  q.bind(3, c.through_poll_id);
  q.bind(4, c.events.after_id.value_or(0));
  q.bind(5, c.events.prev_hash);
  q.bind(6, c.baselines.after_id.value_or(0));
  q.bind(7, c.baselines.prev_hash);
  q.bind(8, c.state_hash);
  q.exec();
}

std::int64_t replay_after_seq(SQLite::Database& db, std::vector<VerifyProblem>& problems) {
  SQLite::Statement q(db, "SELECT replay_after_seq FROM chain_origin WHERE origin_id = 1");
  if (q.executeStep()) return q.getColumn(0).getInt64();
  problems.push_back({"chain_origin: the row is missing (migration 0003 writes it)", {}, {}});
  return 0;
}

std::int64_t replay_chains(ChainWalk& events, ChainWalk& baselines, std::int64_t after_seq,
                           Replay& replay, std::vector<VerifyProblem>& event_chain,
                           std::vector<VerifyProblem>& baseline_chain,
                           std::vector<VerifyProblem>& replayed) {
  std::int64_t count = 0;
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
      const ReplayEvent event = replay_event(events.row());
      if (event.seq > after_seq && replay.apply(event, replayed)) ++count;
      events.next(event_chain);
    }
  }
  return count;
}

}  // namespace kda::store
