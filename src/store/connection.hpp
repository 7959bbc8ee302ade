#pragma once
// Opening the database file: creation with a safe mode, and the connection settings every
// store connection runs with (DESIGN.md §4).
#include <SQLiteCpp/Database.h>

#include <chrono>
#include <filesystem>

namespace kda::store {

inline constexpr std::chrono::milliseconds busy_timeout{5000};

// Creates the file with mode 0640 (less the umask) if it does not exist, opens it and sets
// journal_mode=WAL, foreign_keys=ON, busy_timeout, synchronous=FULL, journal_size_limit.
// Throws StoreError naming the path when the file cannot be created or opened, or a setting
// does not take.
SQLite::Database open_connection(const std::filesystem::path& path);

// Opens an existing file read-only (SQLITE_OPEN_READONLY: no creation, no write, no change of
// journal mode) with busy_timeout. Throws StoreError naming the path when it cannot be opened
// (it does not exist, is not readable) or is not a database.
SQLite::Database open_read_only_connection(const std::filesystem::path& path);

}  // namespace kda::store
