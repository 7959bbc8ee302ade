#pragma once
// Transactions that roll back unless committed. Written here rather than SQLite::Transaction
// because the store needs BEGIN IMMEDIATE (take the write lock up front, so busy_timeout
// applies instead of a mid-transaction SQLITE_BUSY) and a rollback that tolerates SQLite
// having already rolled back on its own (e.g. after SQLITE_FULL).
#include <SQLiteCpp/Database.h>

namespace kda::store {

class Transaction {
 public:
  enum class Kind { read, write };
  Transaction(SQLite::Database& db, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  SQLite::Database& db_;
  bool open_ = true;
};

// True while the connection is inside a transaction.
bool in_transaction(const SQLite::Database& db) noexcept;

}  // namespace kda::store
