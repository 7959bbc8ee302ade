#pragma once
// Walks one hash chain (events by seq, baselines by baseline_id) row by row, checking each row
// as it is read: its hash against its columns, its prev_hash against the row before it, its id
// against a gap. Shared by verify (the whole chain) and retention's prune (the rows it is about
// to delete), so that both accept exactly the same chain.
//
// A chain whose oldest rows were pruned starts at a ChainStart: the last pruned id and its hash
// (retention_checkpoint); the first row must follow it. Problems are VerifyProblem lines naming
// the row ("seq 12: …", "baseline 3: …"). The current row stays readable until the next step.
// Throws SQLite::Exception on a database error.
#include "koodrive_audit/store.hpp"
#include "store/chain_hash.hpp"
#include "store/chain_rows.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::store {

// Where a walk starts: nothing before it (genesis), or after a pruned prefix.
struct ChainStart {
  std::optional<std::int64_t> after_id;          // the last pruned id; nullopt = from genesis
  std::string prev_hash{genesis_hash};           // the hash the first row must link to
};

class ChainWalk {
 public:
  // `up_to`: walk only the rows with an id <= it (nullopt: every row).
  ChainWalk(SQLite::Database& db, std::string_view table, std::string_view key,
            std::string_view columns, int column_count, std::string word, bool events,
            ChainStart start = {}, std::optional<std::int64_t> up_to = std::nullopt);

  // Steps to the next row and checks it; false after the last row.
  bool next(std::vector<VerifyProblem>& problems);

  bool has_row() const noexcept { return has_row_; }
  const SQLite::Statement& row() const noexcept { return q_; }
  std::int64_t rows() const noexcept { return rows_; }
  // The id of the last row walked, or the start's after_id when none was.
  std::optional<std::int64_t> last_id() const noexcept { return prev_id_; }
  // The hash of the last row walked (the start's prev_hash when none was).
  const std::string& last_hash() const noexcept { return expected_prev_; }

 private:
  void problem(std::int64_t id, const std::string& text, std::vector<VerifyProblem>& problems);

  SQLite::Statement q_;
  int column_count_;
  std::string word_;
  bool events_;
  bool pruned_start_;
  bool has_row_ = false;
  std::int64_t rows_ = 0;
  std::string expected_prev_;
  std::optional<std::int64_t> prev_id_;
};

// The chains' walks as verify and prune open them.
ChainWalk walk_events(SQLite::Database& db, ChainStart start = {},
                      std::optional<std::int64_t> up_to = std::nullopt);
ChainWalk walk_baselines(SQLite::Database& db, ChainStart start = {},
                         std::optional<std::int64_t> up_to = std::nullopt);

}  // namespace kda::store
