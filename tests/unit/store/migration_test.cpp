#include "store_fixture.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace kda::test {
namespace {

using Names = std::set<std::string>;

Names names_of(const std::filesystem::path& db_path, const std::string& type) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT name FROM sqlite_master WHERE type = ?1 AND name NOT LIKE 'sqlite_%'");
  q.bind(1, type);
  Names names;
  while (q.executeStep()) names.insert(q.getColumn(0).getString());
  return names;
}

std::vector<std::string> columns_of(const std::filesystem::path& db_path, const std::string& table) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid");
  q.bind(1, table);
  std::vector<std::string> columns;
  while (q.executeStep()) columns.push_back(q.getColumn(0).getString());
  return columns;
}

using MigrationStoreTest = StoreTest;

TEST_F(MigrationStoreTest, EmptyFileGetsEveryTableAndViewOfTheDesign) {
  Store store = Store::open(db_path());
  EXPECT_EQ(store.schema_version(), 0);
  const int latest = static_cast<int>(embedded_migrations().size());
  EXPECT_EQ(store.migrate(), (MigrationReport{0, latest}));
  EXPECT_EQ(store.schema_version(), latest);

  // DESIGN.md §4, exactly: what `sqlite3 audit.db .tables` lists.
  EXPECT_EQ(names_of(db_path(), "table"),
            (Names{"accounts", "devices", "scopes", "events", "polls", "fetch_status",
                   "sink_cursors", "baselines", "chain_origin", "retention_checkpoint",
                   "retention_state", "retention_announced"}));
  EXPECT_EQ(names_of(db_path(), "view"),
            (Names{"current_scopes", "scope_history", "current_fetch_status"}));
}

TEST_F(MigrationStoreTest, ColumnsAreTheDesignsColumns) {
  open_migrated();
  using Columns = std::vector<std::string>;
  const std::map<std::string, Columns> expected{
      {"accounts", {"account_id", "name", "created_at"}},
      {"devices",
       {"account_id", "device_id", "machine_code", "device_name", "device_os", "create_time",
        "first_seen_at", "last_seen_at", "removed_at", "missing_count"}},
      {"scopes",
       {"account_id", "device_id", "module_code", "scope_id", "local_path", "target_folder_path",
        "create_time", "first_seen_at", "last_seen_at", "removed_at", "missing_count"}},
      {"events",
       {"seq", "event_id", "poll_id", "observed_at", "type", "account_id", "device_id",
        "module_code", "scope_id", "before_json", "after_json", "cause", "prev_hash", "hash"}},
      {"baselines",
       {"baseline_id", "poll_id", "observed_at", "account_id", "device_id", "module_code",
        "records_json", "prev_hash", "hash"}},
      {"chain_origin", {"origin_id", "created_at", "replay_after_seq"}},
      {"polls",
       {"poll_id", "account_id", "started_at", "finished_at", "outcome", "requests", "failures",
        "events", "error"}},
      {"fetch_status",
       {"account_id", "device_id", "module_code", "last_attempt_at", "last_success_at",
        "consecutive_failures", "last_error"}},
      {"sink_cursors",
       {"sink", "last_seq", "updated_at", "failures", "failing_since", "last_error",
        "next_attempt_at", "disabled_at"}},
      {"current_scopes",
       {"account_id", "device_id", "device_name", "module_code", "module", "scope_id",
        "local_path", "target_folder_path", "create_time", "first_seen_at", "last_seen_at",
        "missing_count"}},
      {"scope_history",
       {"seq", "event_id", "observed_at", "type", "account_id", "device_id", "device_name",
        "module_code", "module", "scope_id", "before_json", "after_json", "cause", "poll_id"}},
  };
  for (const auto& [table, columns] : expected) {
    EXPECT_EQ(columns_of(db_path(), table), columns) << table;
  }
}

TEST_F(MigrationStoreTest, IndexesForOperatorQueriesExist) {
  open_migrated();
  const Names indexes = names_of(db_path(), "index");
  for (const char* name : {"events_by_observed_at", "events_by_device", "events_by_poll",
                           "polls_by_account", "polls_by_started_at", "baselines_by_poll",
                           "baselines_by_device"}) {
    EXPECT_TRUE(indexes.contains(name)) << name;
  }
}

TEST_F(MigrationStoreTest, ReRunningIsANoOp) {
  Store store = open_migrated();
  const std::string before = dump(db_path());
  const std::int64_t changes = store.total_changes();
  const int latest = static_cast<int>(embedded_migrations().size());
  EXPECT_EQ(store.migrate(), (MigrationReport{latest, latest}));
  EXPECT_EQ(store.total_changes(), changes);
  EXPECT_EQ(dump(db_path()), before);

  // A second process (a new connection) sees the same.
  Store again = Store::open(db_path());
  EXPECT_EQ(again.migrate(), (MigrationReport{latest, latest}));
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(MigrationStoreTest, NewerDatabaseIsRefusedWithAClearMessage) {
  { Store store = Store::open(db_path()); }
  const int newer = static_cast<int>(embedded_migrations().size()) + 1;
  exec_sql(db_path(), "PRAGMA user_version = " + std::to_string(newer));
  const std::string before = dump(db_path());

  Store store = Store::open(db_path());
  try {
    store.migrate();
    FAIL() << "a newer schema was accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              db_path().string() +
                  ": schema version " + std::to_string(newer) +
                  " is newer than this koodrive-audit supports (" +
                  std::to_string(embedded_migrations().size()) + "); "
                  "upgrade koodrive-audit");
  }
  EXPECT_EQ(dump(db_path()), before);
  EXPECT_EQ(store.schema_version(), newer);
}

TEST_F(MigrationStoreTest, MigrationFailingHalfwayOnAnEmptyDatabaseLeavesNothing) {
  Store store = Store::open(db_path());
  const std::string before = dump(db_path());
  const Migration bogus[] = {{1, "0001_bogus", "CREATE TABLE a (x); CREATE TABLE b (;"}};
  EXPECT_THROW(store.migrate(bogus), StoreError);
  EXPECT_EQ(store.schema_version(), 0);
  EXPECT_EQ(dump(db_path()), before);
  EXPECT_TRUE(names_of(db_path(), "table").empty());
}

TEST_F(MigrationStoreTest, MigrationFailingHalfwayLeavesVersionAndSchemaUnchanged) {
  Store store = Store::open(db_path());
  store.migrate(embedded_migrations().first(1));  // then a second migration of the test's own
  PollCommit poll = make_poll("acc", at("2026-01-01T00:00:00.000Z"));
  poll.device_writes.push_back({RowWrite::seen, make_device("d1"), 0});
  store.commit_poll(poll);
  const std::string before = dump(db_path());

  const auto embedded = embedded_migrations();
  const Migration list[] = {
      embedded[0],
      {2, "0002_bogus",
       "CREATE TABLE extra (x);\n"
       "ALTER TABLE devices ADD COLUMN colour TEXT;\n"
       "UPDATE devices SET device_name = 'renamed';\n"
       "INSERT INTO no_such_table VALUES (1);\n"},
  };
  try {
    store.migrate(list);
    FAIL() << "the bogus migration succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("migration 0002_bogus failed: no such table"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store.schema_version(), 1);
  EXPECT_EQ(dump(db_path()), before);
  // And the store still works: the real migrations apply, the data is there.
  store.migrate();
  EXPECT_EQ(store.load_snapshot("acc").devices.size(), 1u);
}

TEST_F(MigrationStoreTest, MigrationThatEndsItsOwnTransactionIsReported) {
  Store store = Store::open(db_path());
  const Migration list[] = {{1, "0001_sneaky", "CREATE TABLE a (x); COMMIT;"}};
  try {
    store.migrate(list);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("ended the transaction itself"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store.schema_version(), 0);
}

TEST_F(MigrationStoreTest, MigrationLeavingDanglingForeignKeysIsRolledBack) {
  Store store = Store::open(db_path());
  store.migrate(embedded_migrations().first(1));  // then a second migration of the test's own
  const auto embedded = embedded_migrations();
  const Migration list[] = {
      embedded[0],
      {2, "0002_dangling",
       "PRAGMA defer_foreign_keys = ON;\n"
       "CREATE TABLE extra (x);\n"
       "INSERT INTO sink_cursors VALUES ('log', 0, '2026-01-01T00:00:00.000Z');\n"
       "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
       "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));\n"
       "INSERT INTO child VALUES (42);\n"},
  };
  const std::string before = dump(db_path());
  try {
    store.migrate(list);
    FAIL() << "a migration leaving a dangling foreign key was committed";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("foreign key violation in table child"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store.schema_version(), 1);
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(MigrationStoreTest, MigrationListMustBeContiguousFromOne) {
  Store store = Store::open(db_path());
  const Migration gap[] = {{1, "0001_a", "CREATE TABLE a (x);"}, {3, "0003_c", "CREATE TABLE c (x);"}};
  EXPECT_THROW(store.migrate(gap), StoreError);
  const Migration from_two[] = {{2, "0002_b", "CREATE TABLE b (x);"}};
  EXPECT_THROW(store.migrate(from_two), StoreError);
  const Migration unnamed[] = {{1, "", "CREATE TABLE a (x);"}};
  EXPECT_THROW(store.migrate(unnamed), StoreError);
  // Checked before anything is applied.
  EXPECT_EQ(store.schema_version(), 0);
  EXPECT_TRUE(names_of(db_path(), "table").empty());
}

TEST_F(MigrationStoreTest, EmbeddedMigrationsAreTheFilesOfTheSourceTree) {
  const auto embedded = embedded_migrations();
  ASSERT_FALSE(embedded.empty());
  for (std::size_t i = 0; i < embedded.size(); ++i) {
    EXPECT_EQ(embedded[i].number, static_cast<int>(i + 1));
  }
  EXPECT_EQ(embedded[0].name, "0001_init");
  std::ifstream file(std::filesystem::path(KDA_SOURCE_DIR) / "migrations" / "0001_init.sql",
                     std::ios::binary);
  ASSERT_TRUE(file);
  std::ostringstream text;
  text << file.rdbuf();
  EXPECT_EQ(embedded[0].sql, text.str());
}

TEST_F(MigrationStoreTest, ApplyingOneByOneReachesTheSameSchemaAsAllAtOnce) {
  // A database migrated step by step (older binary, then newer) ends where a fresh one does.
  const auto embedded = embedded_migrations();
  {
    Store store = Store::open(db_path());
    for (std::size_t n = 1; n <= embedded.size(); ++n) {
      EXPECT_EQ(store.migrate(embedded.first(n)).to_version, static_cast<int>(n));
    }
  }
  const auto other = dir_ / "fresh.db";
  Store::open(other).migrate();
  // chain_origin.created_at is the moment migration 0003 ran, which differs between the two.
  for (const auto& path : {db_path(), other}) {
    exec_sql(path, "UPDATE chain_origin SET created_at = '2026-11-23T07:00:00.000Z'");
  }
  EXPECT_EQ(dump(db_path()), dump(other));
}

}  // namespace
}  // namespace kda::test
