#include "store/statement_cache.hpp"

namespace kda::store {

BorrowedStatement::BorrowedStatement(SQLite::Statement& statement) noexcept
    : statement_(&statement) {
  // tryReset, not reset: reset() rethrows the error of the previous step, which an earlier,
  // already reported failure may have left behind.
  statement_->tryReset();
}

BorrowedStatement::~BorrowedStatement() {
  statement_->tryReset();
  // Values bound without a copy point into the borrower's strings; none may outlive its use.
  try {
    statement_->clearBindings();  // sqlite3_clear_bindings always succeeds
  } catch (...) {
  }
}

BorrowedStatement StatementCache::borrow(std::string_view sql) {
  // A commit borrows once per row, mostly the statement it borrowed last: comparing with that
  // one's text costs less than hashing a few hundred bytes of SQL.
  if (last_ != nullptr && std::string_view(last_->getQuery()) == sql) {
    return BorrowedStatement(*last_);
  }
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto statement = std::make_unique<SQLite::Statement>(*db_, std::string(sql));
    const std::string_view key = statement->getQuery();
    it = statements_.emplace(key, std::move(statement)).first;
  }
  last_ = it->second.get();
  return BorrowedStatement(*last_);
}

void bind_text_or_null(SQLite::Statement& statement, int index, const std::string& text) {
  if (text.empty()) {
    statement.bind(index);
  } else {
    statement.bind(index, text);
  }
}

std::string text_or_empty(const SQLite::Statement& statement, int index) {
  if (statement.isColumnNull(index)) return {};
  return statement.getColumn(index).getString();
}

}  // namespace kda::store
