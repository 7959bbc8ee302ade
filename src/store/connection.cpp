#include "store/connection.hpp"

#include "koodrive_audit/store.hpp"

#include <SQLiteCpp/Exception.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kda::store {

namespace {

constexpr mode_t database_mode = 0640;

// SQLite would create the file with 0644 (less the umask): world-readable backup paths and
// device names. Creating it ourselves first sets the mode; SQLite gives the -wal and -shm
// files the mode of the database file.
void create_if_missing(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                        database_mode);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  if (errno == EEXIST) return;  // an existing file keeps the mode its owner gave it
  throw StoreError(path.string() + ": cannot create the database file: " + std::strerror(errno));
}

}  // namespace

SQLite::Database open_connection(const std::filesystem::path& path) {
  create_if_missing(path);
  try {
    // No OPEN_CREATE: the file exists now, and if it vanished in between, failing is right.
    // NOMUTEX: a Store is used from one thread (store.hpp), so SQLite's connection mutex is
    // pure cost — a lock and an unlock around every sqlite3_column_* call, 3% of the
    // instructions of a no-change poll (callgrind).
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX,
                        static_cast<int>(busy_timeout.count()));
    // 16 KiB pages instead of SQLite's 4 KiB: a baseline commit (a new tenant's first poll)
    // writes every page to the WAL, two writes a frame, and then copies it into the file; a
    // quarter of the pages is a quarter of the system calls (2,000 devices: 2,950 pwrite calls
    // instead of 10,819). scripts/bench, 10,000 devices, alternated: the commit's CPU 0.50-0.52 s
    // instead of 0.68-0.70 s. 64 KiB saved little more (0.42-0.50 s) and writes four times the
    // bytes of 16 KiB per quiet poll (656 KB against 164 KB; 41 KB with 4 KiB). Like auto_vacuum
    // below, it only takes effect on a new database (it must precede WAL and the first table).
    db.exec("PRAGMA page_size = " + std::to_string(new_database_page_size));
    // Retention frees pages daily; with incremental auto-vacuum they can be given back to the
    // file system in short steps (Store::reclaim_space). It only takes effect on a database
    // without tables yet, i.e. a new one; an existing file keeps its mode (a no-op here).
    db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    // WAL lets operators read with sqlite3 while the daemon writes. It is a property of the
    // file, so an existing database already in WAL just answers "wal".
    const std::string journal_mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
    if (journal_mode != "wal") {
      throw StoreError(path.string() + ": cannot switch to WAL journal mode (still " +
                       journal_mode + "); is the file system local?");
    }
    db.exec("PRAGMA foreign_keys = ON");
    if (db.execAndGet("PRAGMA foreign_keys").getInt() != 1) {
      throw StoreError(path.string() + ": this SQLite cannot enforce foreign keys");
    }
    db.exec("PRAGMA synchronous = FULL");
    // A baseline commit can grow the WAL to tens of megabytes; without a limit the file keeps
    // that size forever after the checkpoint.
    db.exec("PRAGMA journal_size_limit = 16777216");
    return db;
  } catch (const SQLite::Exception& e) {
    throw StoreError(path.string() + ": " + e.what());
  }
}

SQLite::Database open_read_only_connection(const std::filesystem::path& path) {
  try {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX,
                        static_cast<int>(busy_timeout.count()));
    // SQLite opens lazily: read the schema now, so that a file that is not a database fails
    // here, with its path, rather than in the first query.
    db.execAndGet("SELECT count(*) FROM sqlite_master");
    return db;
  } catch (const SQLite::Exception& e) {
    throw StoreError(path.string() + ": " + e.what());
  }
}

}  // namespace kda::store
