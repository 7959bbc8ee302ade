#include "store/chain_walk.hpp"

namespace kda::store {

namespace {

std::string walk_sql(std::string_view table, std::string_view key, std::string_view columns,
                     const std::optional<std::int64_t>& up_to) {
  std::string sql = "SELECT " + std::string(columns) + ", prev_hash, hash FROM " +
                    std::string(table);
  if (up_to) sql += " WHERE " + std::string(key) + " <= " + std::to_string(*up_to);
  return sql + " ORDER BY " + std::string(key);
}

}  // namespace

ChainWalk::ChainWalk(SQLite::Database& db, std::string_view table, std::string_view key,
                     std::string_view columns, int column_count, std::string word, bool events,
                     ChainStart start, std::optional<std::int64_t> up_to)
    : q_(db, walk_sql(table, key, columns, up_to)),
      column_count_(column_count),
      word_(std::move(word)),
      events_(events),
      pruned_start_(start.after_id.has_value()),
      expected_prev_(std::move(start.prev_hash)),
      prev_id_(start.after_id) {}

void ChainWalk::problem(std::int64_t id, const std::string& text,
                        std::vector<VerifyProblem>& problems) {
  VerifyProblem p{word_ + " " + std::to_string(id) + ": " + text, {}, {}};
  (events_ ? p.seq : p.baseline_id) = id;
  problems.push_back(std::move(p));
}

bool ChainWalk::next(std::vector<VerifyProblem>& problems) {
  has_row_ = q_.executeStep();
  if (!has_row_) return false;
  ++rows_;
  const std::int64_t id = q_.getColumn(0).getInt64();

  std::vector<ChainValue> values(static_cast<std::size_t>(column_count_));
  bool hashable = true;
  for (int i = 0; i < column_count_; ++i) {
    const auto value = stored_chain_value(q_.getColumn(i));
    if (!value) {
      problem(id,
              std::string("column ") + q_.getColumnName(i) +
                  " holds a REAL or BLOB value, which the store never writes",
              problems);
      hashable = false;
    } else {
      values[static_cast<std::size_t>(i)] = *value;
    }
  }
  const std::string prev_hash = text_or_empty(q_, column_count_);
  std::string hash = text_or_empty(q_, column_count_ + 1);

  if (prev_id_ && id > *prev_id_ + 1) {
    // Ids are never skipped (explicit next id, rolled back with a failed commit), so a gap is
    // deleted rows; it is named by its first id, the first bad one.
    const std::int64_t first_missing = *prev_id_ + 1;
    VerifyProblem p{word_ + " " + std::to_string(first_missing) +
                        (id - 1 > first_missing ? ".." + std::to_string(id - 1) : std::string()) +
                        ": missing (deleted): the chain goes from " +
                        (rows_ == 1 && pruned_start_ ? "the retention checkpoint (" : "") + word_ +
                        " " + std::to_string(*prev_id_) +
                        (rows_ == 1 && pruned_start_ ? ")" : "") + " to " + word_ + " " +
                        std::to_string(id),
                    {}, {}};
    (events_ ? p.seq : p.baseline_id) = first_missing;
    problems.push_back(std::move(p));
  }
  if (prev_hash != expected_prev_) {
    if (!prev_id_) {
      problem(id,
              "prev_hash is not the genesis hash (64 zeros), as the first row's must be: "
              "rows before it were deleted",
              problems);
    } else if (rows_ == 1 && pruned_start_) {
      problem(id,
              "prev_hash does not match the hash retention_checkpoint recorded for " + word_ +
                  " " + std::to_string(*prev_id_) + ", the last pruned row",
              problems);
    } else {
      problem(id,
              "prev_hash does not match the hash of " + word_ + " " + std::to_string(*prev_id_) +
                  ", the row before it",
              problems);
    }
  }
  if (hash.empty()) {
    problem(id, "hash is missing", problems);
  } else if (hashable && chain_hash(prev_hash, values) != hash) {
    problem(id,
            "hash does not match the row's contents: a column was changed after the row "
            "was written",
            problems);
  }
  expected_prev_ = std::move(hash);
  prev_id_ = id;
  return true;
}

ChainWalk walk_events(SQLite::Database& db, ChainStart start, std::optional<std::int64_t> up_to) {
  return ChainWalk(db, "events", "seq", event_chain_columns, event_chain_column_count, "seq", true,
                   std::move(start), up_to);
}

ChainWalk walk_baselines(SQLite::Database& db, ChainStart start,
                         std::optional<std::int64_t> up_to) {
  return ChainWalk(db, "baselines", "baseline_id", baseline_chain_columns,
                   baseline_chain_column_count, "baseline", false, std::move(start), up_to);
}

}  // namespace kda::store
