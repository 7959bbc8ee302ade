#pragma once
// Prepared statements, prepared once per connection and reused: a baseline commit writes tens
// of thousands of rows, and re-preparing each time would cost more than the writes.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kda::store {

// A statement borrowed from the cache. It is reset when borrowed and when given back, so a
// half-read SELECT never keeps a read transaction open after its use; its bindings are
// cleared when given back, so text bound with bindNoCopy (the borrower's strings, which must
// outlive the borrow) is never read after it.
class BorrowedStatement {
 public:
  explicit BorrowedStatement(SQLite::Statement& statement) noexcept;
  ~BorrowedStatement();
  BorrowedStatement(const BorrowedStatement&) = delete;
  BorrowedStatement& operator=(const BorrowedStatement&) = delete;

  SQLite::Statement& operator*() const noexcept { return *statement_; }
  SQLite::Statement* operator->() const noexcept { return statement_; }

 private:
  SQLite::Statement* statement_;
};

// Owns the prepared statements of one connection; must be destroyed before the Database.
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) noexcept : db_(&db) {}

  // Prepares `sql` on first use (throws SQLite::Exception if it does not compile).
  BorrowedStatement borrow(std::string_view sql);

 private:
  SQLite::Database* db_;
  // Keyed by a view of the statement's own copy of its SQL: a lookup allocates nothing, which
  // matters at one lookup per row.
  std::unordered_map<std::string_view, std::unique_ptr<SQLite::Statement>> statements_;
  SQLite::Statement* last_ = nullptr;  // the statement borrowed last, one of statements_
};

// Binds text, or NULL when empty: the schema stores "none" as NULL, not as ''.
void bind_text_or_null(SQLite::Statement& statement, int index, const std::string& text);

// Reads a text column, "" for NULL.
std::string text_or_empty(const SQLite::Statement& statement, int index);

}  // namespace kda::store
