#pragma once
// Opening the database file: creation with a safe mode, and the connection settings every
// store connection runs with (DESIGN.md §4).
#include <SQLiteCpp/Database.h>

#include <chrono>
#include <filesystem>

namespace kda::store {

inline constexpr std::chrono::milliseconds busy_timeout{5000};
// The page size of a database this version creates; an existing one keeps its own.
inline constexpr int new_database_page_size = 16384;

// Creates the file with mode 0640 (less the umask) if it does not exist, opens it and sets
// page_size and auto_vacuum=INCREMENTAL (both for a new database only), journal_mode=WAL, foreign_keys=ON, busy_timeout, synchronous=FULL, journal_size_limit.
// Throws StoreError naming the path when the file cannot be created or opened, or a setting
// does not take.
SQLite::Database open_connection(const std::filesystem::path& path);

// Opens an existing file read-only (SQLITE_OPEN_READONLY: no creation, no write, no change of
// journal mode) with busy_timeout. Throws StoreError naming the path when it cannot be opened
// (it does not exist, is not readable) or is not a database.
SQLite::Database open_read_only_connection(const std::filesystem::path& path);

}  // namespace kda::store
