#include "store/migrator.hpp"

#include "store/chain_backfill.hpp"
#include "store/transaction.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <string>

namespace kda::store {

namespace {

int newest(std::span<const Migration> migrations) {
  return migrations.empty() ? 0 : migrations.back().number;
}

// A migration must not leave rows pointing nowhere (a table rebuild can); foreign_keys=ON does
// not check rows that were already there, so ask explicitly before committing.
void check_foreign_keys(SQLite::Database& db, const std::string& where) {
  SQLite::Statement check(db, "PRAGMA foreign_key_check");
  if (check.executeStep()) {
    throw StoreError(where + ": leaves a foreign key violation in table " +
                     check.getColumn(0).getString());
  }
}

// Migrations whose data step SQL cannot express, keyed by migration name. The step runs after
// the file's SQL in the same transaction, so it commits with the version bump or not at all.
struct DataStep {
  std::string_view migration;
  void (*run)(SQLite::Database& db);
};
constexpr DataStep data_steps[] = {
    {"0003_hash_chain", backfill_hash_chain},
};

void run_data_step(SQLite::Database& db, const Migration& m, const std::string& where) {
  for (const DataStep& step : data_steps) {
    if (step.migration != m.name) continue;
    try {
      step.run(db);
    } catch (const SQLite::Exception& e) {
      throw StoreError(where + " failed: " + e.what());
    } catch (const StoreError& e) {
      throw StoreError(where + " failed: " + e.what());
    }
  }
}

void apply_one(SQLite::Database& db, const std::filesystem::path& path, const Migration& m) {
  const std::string where = path.string() + ": migration " + std::string(m.name);
  Transaction transaction(db, Transaction::Kind::write);
  // Re-read inside the write lock: another process may have migrated since we looked.
  if (user_version(db) >= m.number) return;
  try {
    db.exec(std::string(m.sql));
  } catch (const SQLite::Exception& e) {
    throw StoreError(where + " failed: " + e.what());
  }
  if (!in_transaction(db)) {
    // The file committed or rolled back by itself: its effects are no longer ours to undo.
    throw StoreError(where + " ended the transaction itself (BEGIN/COMMIT/ROLLBACK in a migration)");
  }
  run_data_step(db, m, where);
  check_foreign_keys(db, where);
  db.exec("PRAGMA user_version = " + std::to_string(m.number));
  transaction.commit();
}

}  // namespace

void check_migration_list(std::span<const Migration> migrations) {
  int expected = 1;
  for (const Migration& m : migrations) {
    if (m.number != expected) {
      throw StoreError("migration list: found number " + std::to_string(m.number) + " where " +
                       std::to_string(expected) + " was expected (1, 2, 3, ... without gaps)");
    }
    if (m.name.empty() || m.sql.empty()) {
      throw StoreError("migration list: migration " + std::to_string(m.number) +
                       " has no name or no SQL");
    }
    ++expected;
  }
}

int user_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

MigrationReport apply_migrations(SQLite::Database& db, const std::filesystem::path& path,
                                 std::span<const Migration> migrations) {
  check_migration_list(migrations);
  const int supported = newest(migrations);
  const int from = user_version(db);
  if (from > supported) {
    throw StoreError(path.string() + ": schema version " + std::to_string(from) +
                     " is newer than this koodrive-audit supports (" + std::to_string(supported) +
                     "); upgrade koodrive-audit");
  }
  for (const Migration& m : migrations) {
    if (m.number > from) apply_one(db, path, m);
  }
  return MigrationReport{from, user_version(db)};
}

}  // namespace kda::store
