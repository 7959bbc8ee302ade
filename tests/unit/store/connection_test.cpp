#include "store_fixture.hpp"

#include <SQLiteCpp/Database.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace kda::test {
namespace {

using ConnectionStoreTest = StoreTest;

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 07777;
  return st.st_mode & 07777;
}

// Sets the umask for the scope, so a test shows the mode the store asks for, not the umask.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  ~Umask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

TEST_F(ConnectionStoreTest, NewDatabaseFileIsNotWorldReadable) {
  const Umask umask(0);
  Store store = open_migrated();
  PollCommit poll = make_poll("acc", at("2026-01-01T00:00:00.000Z"));
  poll.device_writes.push_back({RowWrite::seen, make_device("d1"), 0});
  store.commit_poll(poll);

  EXPECT_EQ(mode_of(db_path()), 0640u);
  // SQLite gives the WAL and shared-memory files the database file's mode.
  ASSERT_TRUE(std::filesystem::exists(db_path().string() + "-wal"));
  EXPECT_EQ(mode_of(db_path().string() + "-wal"), 0640u);
  EXPECT_EQ(mode_of(db_path().string() + "-shm"), 0640u);
}

TEST_F(ConnectionStoreTest, TighterUmaskIsHonoured) {
  const Umask umask(077);
  Store::open(db_path());
  EXPECT_EQ(mode_of(db_path()), 0600u);
}

TEST_F(ConnectionStoreTest, ExistingFileKeepsItsMode) {
  { std::ofstream touch(db_path()); }
  std::filesystem::permissions(db_path(), std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);
  Store::open(db_path()).migrate();
  EXPECT_EQ(mode_of(db_path()), 0600u);
}

TEST_F(ConnectionStoreTest, UsesWriteAheadLogging) {
  Store store = open_migrated();
  EXPECT_EQ(query_text(db_path(), "PRAGMA journal_mode"), "wal");
}

TEST_F(ConnectionStoreTest, ANewDatabaseHasSixteenKiBPages) {
  Store store = open_migrated();
  EXPECT_EQ(store.page_size(), 16384);
  EXPECT_EQ(query_text(db_path(), "PRAGMA page_size"), "16384");
  EXPECT_EQ(query_text(db_path(), "PRAGMA auto_vacuum"), "2");  // set together, before WAL
}

TEST_F(ConnectionStoreTest, AnOlderDatabaseKeepsItsPageSize) {
  {
    // A database as an earlier version created it: SQLite's default page size, already WAL.
    SQLite::Database old(db_path().string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    old.exec("PRAGMA page_size = 4096");
    old.exec("PRAGMA journal_mode = WAL");
    old.exec("CREATE TABLE kept (x)");
  }
  Store store = Store::open(db_path());
  store.migrate();
  EXPECT_EQ(store.page_size(), 4096);
  store.commit_poll(make_poll("acc", at("2026-01-01T00:00:00.000Z")));
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM polls"), "1");
  EXPECT_EQ(query_text(db_path(), "PRAGMA page_size"), "4096");
}

TEST_F(ConnectionStoreTest, ForeignKeysAreEnforced) {
  Store store = open_migrated();
  PollCommit poll = make_poll("acc", at("2026-01-01T00:00:00.000Z"));
  // A scope of a device the store has never seen.
  poll.scope_writes.push_back({RowWrite::seen, "ghost", make_scope("s1", module_folder), 0});
  EXPECT_THROW(store.commit_poll(poll), std::runtime_error);
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM polls"), "0");
}

TEST_F(ConnectionStoreTest, WaitsForALockInsteadOfFailing) {
  Store store = open_migrated();
  SQLite::Database other(db_path().string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  // Timed from before the thread starts: the lock is then held for at least 300 ms of it
  // however the two threads are scheduled.
  const auto start = std::chrono::steady_clock::now();
  std::thread release([&other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    other.exec("COMMIT");
  });
  EXPECT_NO_THROW(store.commit_poll(make_poll("acc", at("2026-01-01T00:00:00.000Z"))));
  const auto waited = std::chrono::steady_clock::now() - start;
  release.join();
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM polls"), "1");
}

TEST_F(ConnectionStoreTest, UnopenablePathIsReportedWithThePath) {
  const auto path = dir_ / "no" / "such" / "dir" / "audit.db";
  try {
    Store::open(path);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": ", 0), 0u) << e.what();
  }
}

TEST_F(ConnectionStoreTest, FileThatIsNotADatabaseIsRefused) {
  {
    std::ofstream junk(db_path());
    junk << "this is not an SQLite database, but it is long enough to have a header......";
  }
  EXPECT_THROW(Store::open(db_path()).migrate(), std::runtime_error);
}

TEST_F(ConnectionStoreTest, StoreIsMovable) {
  Store store = open_migrated();
  Store moved = std::move(store);
  EXPECT_EQ(moved.schema_version(), static_cast<int>(embedded_migrations().size()));
  EXPECT_EQ(moved.path(), db_path());
}

}  // namespace
}  // namespace kda::test
