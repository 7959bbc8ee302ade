#include "store/chain_rows.hpp"

#include "koodrive_audit/event_json.hpp"

#include <sqlite3.h>

#include <array>

namespace kda::store {

namespace {

constexpr std::string_view events_tip_sql =
    "SELECT MAX(IFNULL((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), "
    "IFNULL((SELECT MAX(seq) FROM events), 0)), "
    "EXISTS (SELECT 1 FROM events), "
    "(SELECT hash FROM events ORDER BY seq DESC LIMIT 1)";
constexpr std::string_view baselines_tip_sql =
    "SELECT MAX(IFNULL((SELECT seq FROM sqlite_sequence WHERE name = 'baselines'), 0), "
    "IFNULL((SELECT MAX(baseline_id) FROM baselines), 0)), "
    "EXISTS (SELECT 1 FROM baselines), "
    "(SELECT hash FROM baselines ORDER BY baseline_id DESC LIMIT 1)";

constexpr std::string_view insert_baseline_sql =
    "INSERT INTO baselines (baseline_id, poll_id, observed_at, account_id, device_id, "
    "module_code, records_json, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

// A chain whose rows retention pruned entirely continues from the checkpoint's hash. The table
// exists from migration 0005 on; the 0003 step runs before it, so look before asking.
std::optional<std::string> checkpoint_hash(StatementCache& statements, std::string_view column) {
  {
    auto exists = statements.borrow(
      "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
        "name = 'retention_checkpoint')");
    if (!exists->executeStep() || exists->getColumn(0).getInt() == 0) return std::nullopt;
  }
  const std::string sql = "SELECT " + std::string(column) +
                          " FROM retention_checkpoint WHERE checkpoint_id = 1";
  auto q = statements.borrow(sql);
  if (!q->executeStep()) return std::nullopt;
  return q->getColumn(0).getString();
}

ChainTip tip(StatementCache& statements, std::string_view sql, std::string_view checkpoint_column) {
  ChainTip result;
  bool empty = false;
  {
    auto q = statements.borrow(sql);
    q->executeStep();
    result.next_id = q->getColumn(0).getInt64() + 1;
    if (q->getColumn(1).getInt() != 0) {
      result.prev_hash = text_or_empty(*q, 2);
    } else {
      empty = true;
    }
  }
  if (empty) {
    if (auto hash = checkpoint_hash(statements, checkpoint_column)) result.prev_hash = *hash;
  }
  return result;
}

}  // namespace

ChainTip events_tip(StatementCache& statements) {
  return tip(statements, events_tip_sql, "through_seq_hash");
}
ChainTip baselines_tip(StatementCache& statements) {
  return tip(statements, baselines_tip_sql, "through_baseline_hash");
}

void append_record(std::string& array, const Device& device) {
  array += array.empty() ? '[' : ',';
  append_record_json(array, device);
}

void append_record(std::string& array, const Scope& scope) {
  array += array.empty() ? '[' : ',';
  append_record_json(array, scope);
}

std::string close_records(std::string array) {
  if (array.empty()) return "[]";
  array += ']';
  return array;
}

void insert_baseline(StatementCache& statements, const BaselineRow& row, ChainTip& tip) {
  const std::array<ChainValue, baseline_chain_column_count> columns{
      tip.next_id,
      row.poll_id ? ChainValue{*row.poll_id} : ChainValue{},
      std::string_view(row.observed_at),
      std::string_view(row.account_id),
      text_or_null(row.device_id),
      row.module_code ? ChainValue{std::int64_t{*row.module_code}} : ChainValue{},
      std::string_view(row.records_json)};
  std::string hash = chain_hash(tip.prev_hash, columns);

  auto q = statements.borrow(insert_baseline_sql);
  q->bind(1, tip.next_id);
  if (row.poll_id) {
    q->bind(2, *row.poll_id);
  } else {
    q->bind(2);
  }
  // The row, the tip and `hash` outlive the exec: no copies of their text.
  q->bindNoCopy(3, row.observed_at);
  q->bindNoCopy(4, row.account_id);
  bind_text_or_null(*q, 5, row.device_id);
  if (row.module_code) {
    q->bind(6, *row.module_code);
  } else {
    q->bind(6);
  }
  q->bindNoCopy(7, row.records_json);
  q->bindNoCopy(8, tip.prev_hash);
  q->bindNoCopy(9, hash);
  q->exec();

  ++tip.next_id;
  tip.prev_hash = std::move(hash);
}

std::optional<ChainValue> stored_chain_value(const SQLite::Column& column) {
  switch (column.getType()) {
    case SQLITE_NULL:
      return ChainValue{};
    case SQLITE_INTEGER:
      return ChainValue{column.getInt64()};
    case SQLITE_TEXT: {
      // Text first, then its length: sqlite3_column_bytes after the text conversion.
      const char* text = column.getText();
      return ChainValue{std::string_view(text, static_cast<std::size_t>(column.getBytes()))};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace kda::store
