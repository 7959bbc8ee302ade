#include "store/transaction.hpp"

#include <sqlite3.h>

namespace kda::store {

Transaction::Transaction(SQLite::Database& db, Kind kind) : db_(db) {
  db_.exec(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
  if (open_ && in_transaction(db_)) {
    // A destructor cannot report; the exception that brought us here already does.
    sqlite3_exec(db_.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

bool in_transaction(const SQLite::Database& db) noexcept {
  return sqlite3_get_autocommit(db.getHandle()) == 0;
}

}  // namespace kda::store
