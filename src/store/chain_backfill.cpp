#include "store/chain_backfill.hpp"

#include "koodrive_audit/store.hpp"
#include "store/chain_rows.hpp"

#include <SQLiteCpp/Statement.h>

#include <array>
#include <tuple>
#include <vector>

namespace kda::store {

namespace {

constexpr std::string_view live_devices_sql =
    "SELECT account_id, device_id, machine_code, device_name, device_os, create_time "
    "FROM devices WHERE removed_at IS NULL ORDER BY account_id, device_id";
constexpr std::string_view live_scopes_sql =
    "SELECT account_id, device_id, module_code, scope_id, local_path, target_folder_path, "
    "create_time FROM scopes WHERE removed_at IS NULL "
    "ORDER BY account_id, device_id, module_code, scope_id";

void hash_existing_events(SQLite::Database& db) {
  // Hashes first, updates after: rewriting rows of the table a SELECT is still stepping through
  // is not something to rely on.
  std::vector<std::tuple<std::int64_t, std::string, std::string>> hashes;
  std::string prev(genesis_hash);
  SQLite::Statement q(db, "SELECT " + std::string(event_chain_columns) + " FROM events ORDER BY seq");
  while (q.executeStep()) {
    std::array<ChainValue, event_chain_column_count> columns;
    for (int i = 0; i < event_chain_column_count; ++i) {
      const auto value = stored_chain_value(q.getColumn(i));
      if (!value) {
        throw StoreError("events seq " + q.getColumn(0).getString() + ": column " +
                         q.getColumnName(i) + " holds a REAL or BLOB value; cannot hash it");
      }
      columns[static_cast<std::size_t>(i)] = *value;
    }
    std::string hash = chain_hash(prev, columns);
    hashes.emplace_back(q.getColumn(0).getInt64(), prev, hash);
    prev = std::move(hash);
  }
  SQLite::Statement update(db, "UPDATE events SET prev_hash = ?2, hash = ?3 WHERE seq = ?1");
  for (const auto& [seq, prev_hash, hash] : hashes) {
    update.bind(1, seq);
    update.bind(2, prev_hash);
    update.bind(3, hash);
    update.exec();
    update.reset();
  }
}

void record_live_snapshot(SQLite::Database& db) {
  StatementCache statements(db);
  const std::string observed_at = db.execAndGet("SELECT created_at FROM chain_origin").getString();
  ChainTip tip = baselines_tip(statements);
  BaselineRow row;
  row.observed_at = observed_at;
  const auto flush = [&] {
    if (row.records_json.empty()) return;
    row.records_json = close_records(std::move(row.records_json));
    insert_baseline(statements, row, tip);
    row.records_json.clear();
  };

  {
    SQLite::Statement q(db, std::string(live_devices_sql));
    while (q.executeStep()) {
      std::string account_id = q.getColumn(0).getString();
      if (account_id != row.account_id) {
        flush();
        row.account_id = std::move(account_id);
      }
      append_record(row.records_json,
                    Device{q.getColumn(1).getString(), q.getColumn(2).getString(),
                           q.getColumn(3).getString(), q.getColumn(4).getString(),
                           q.getColumn(5).getString()});
    }
    flush();
  }
  {
    SQLite::Statement q(db, std::string(live_scopes_sql));
    while (q.executeStep()) {
      std::string account_id = q.getColumn(0).getString();
      std::string device_id = q.getColumn(1).getString();
      const int module_code = q.getColumn(2).getInt();
      if (account_id != row.account_id || device_id != row.device_id ||
          module_code != row.module_code) {
        flush();
        row.account_id = std::move(account_id);
        row.device_id = std::move(device_id);
        row.module_code = module_code;
      }
      append_record(row.records_json,
                    Scope{q.getColumn(3).getString(), module_code, q.getColumn(4).getString(),
                          q.getColumn(5).getString(), q.getColumn(6).getString()});
    }
    flush();
  }
}

}  // namespace

void backfill_hash_chain(SQLite::Database& db) {
  hash_existing_events(db);
  record_live_snapshot(db);
}

}  // namespace kda::store
