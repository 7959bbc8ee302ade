#pragma once
// The rows of the two hash chains as the write side stores them: which columns a hash covers
// (in order), where each chain continues, and the insertion of a baselines row. Shared by
// commit_poll, the 0003 migration step and verify, so that all three hash the same columns.
#include "koodrive_audit/model.hpp"
#include "store/chain_hash.hpp"
#include "store/statement_cache.hpp"

#include <SQLiteCpp/Column.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::store {

// The columns each chain's hash covers, in hash order (docs/schema.md): every column of the
// table except prev_hash and hash, in table order.
inline constexpr std::string_view event_chain_columns =
    "seq, event_id, poll_id, observed_at, type, account_id, device_id, module_code, scope_id, "
    "before_json, after_json, cause";
inline constexpr int event_chain_column_count = 12;
inline constexpr std::string_view baseline_chain_columns =
    "baseline_id, poll_id, observed_at, account_id, device_id, module_code, records_json";
inline constexpr int baseline_chain_column_count = 7;

// Where a chain continues inside the current write transaction: the id the next row gets and
// the hash it links to.
struct ChainTip {
  std::int64_t next_id = 1;
  std::string prev_hash{genesis_hash};
};

// The next id is one past the larger of AUTOINCREMENT's high-water mark (sqlite_sequence) and
// the largest id present, so an id is never reused, exactly as AUTOINCREMENT would choose it;
// prev_hash is the hash of the row with the largest id ("" when that row's hash is NULL, which
// verify then reports); when the table is empty, the hash retention_checkpoint recorded for the
// last pruned row, or genesis when nothing was pruned. Call inside the write transaction.
ChainTip events_tip(StatementCache& statements);
ChainTip baselines_tip(StatementCache& statements);

// One baselines row before it is hashed.
struct BaselineRow {
  std::optional<std::int64_t> poll_id;  // nullopt: recorded by the 0003 migration
  std::string observed_at;
  std::string account_id;
  std::string device_id;                // "" (NULL): the account's device list
  std::optional<int> module_code;       // nullopt with device_id ""
  std::string records_json;
};

// records_json is built one record at a time: append_record adds the record's JSON (as
// record_to_json gives it, without a Record copy) to `array` (started as ""), close_records
// finishes it ("[]" when nothing was appended).
void append_record(std::string& array, const Device& device);
void append_record(std::string& array, const Scope& scope);
std::string close_records(std::string array);

// Inserts `row` as baselines row tip.next_id linked to tip.prev_hash, then advances the tip.
void insert_baseline(StatementCache& statements, const BaselineRow& row, ChainTip& tip);

// A stored column as the chain hashes it; std::nullopt for REAL or BLOB, which the store never
// writes (verify reports such a column). The string_view points into the statement's current
// row: valid until the statement steps again.
std::optional<ChainValue> stored_chain_value(const SQLite::Column& column);

}  // namespace kda::store
