#pragma once
// Applies schema migrations: each one in ONE transaction together with its
// PRAGMA user_version = N, so a crash or an error leaves the database at the previous version
// with the previous schema. A database newer than the newest migration is refused.
#include "koodrive_audit/store.hpp"

#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <span>

namespace kda::store {

// Throws StoreError unless the list is numbered 1..N in order, each with a name and SQL.
void check_migration_list(std::span<const Migration> migrations);

int user_version(SQLite::Database& db);

// `path` only names the database in error messages.
MigrationReport apply_migrations(SQLite::Database& db, const std::filesystem::path& path,
                                 std::span<const Migration> migrations);

}  // namespace kda::store
