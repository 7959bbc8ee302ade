// Upgrading a database from schema 2 to 3 (migration 0003_hash_chain and its C++ step): the
// events already stored get their hashes, the live rows of that moment become the baselines the
// replay starts from, and verify then holds the upgraded database to the same standard.
#include "store_fixture.hpp"

#include "koodrive_audit/event_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kda::test {
namespace {

using ::testing::HasSubstr;

std::string sql_text(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

class ChainMigrationTest : public StoreTest {
 protected:
  const Device laptop = make_device("d1", "laptop");
  const Device phone = make_device("d2", "phone");
  const Device tablet = make_device("d3", "tablet");
  const Scope docs = make_scope("s1", module_folder, "/Documents");
  const Scope pictures = make_scope("s2", module_folder, "/Pictures");
  const Scope camera = make_scope("s3", module_album, "/DCIM");

  // A schema-2 database as an older koodrive-audit left it: a silent baseline (poll 1: laptop
  // with s1, s2; phone), then the tablet and its album scope (poll 2), then s2 and the phone
  // removed (poll 3). Written with SQL: commit_poll writes schema 3.
  void fill_version_2() {
    {
      Store store = Store::open(db_path());
      ASSERT_EQ(store.migrate(embedded_migrations().first(2)).to_version, 2);
    }
    const auto device_row = [](const Device& d, const char* removed_at) {
      return "INSERT INTO devices VALUES ('acc', " + sql_text(d.device_id) + ", " +
             sql_text(d.machine_code) + ", " + sql_text(d.device_name) + ", " +
             sql_text(d.device_os) + ", " + sql_text(d.create_time) +
             ", '2026-11-20T07:00:00.000Z', '2026-11-20T07:10:00.000Z', " + removed_at + ", 0);\n";
    };
    const auto scope_row = [](const std::string& device_id, const Scope& s, const char* removed_at) {
      return "INSERT INTO scopes VALUES ('acc', " + sql_text(device_id) + ", " +
             std::to_string(s.module_code) + ", " + sql_text(s.scope_id) + ", " +
             sql_text(s.local_path) + ", " + sql_text(s.target_folder_path) + ", " +
             sql_text(s.create_time) +
             ", '2026-11-20T07:00:00.000Z', '2026-11-20T07:10:00.000Z', " + removed_at + ", 0);\n";
    };
    const auto event_row = [](int seq, int poll, const char* type, const std::string& device,
                              const char* module, const char* scope, const Record& before,
                              const Record& after, const char* cause) {
      const auto json = [](const Record& r) {
        return std::holds_alternative<std::monostate>(r) ? std::string("NULL")
                                                         : sql_text(record_to_json(r));
      };
      return "INSERT INTO events VALUES (" + std::to_string(seq) + ", 'uuid-" +
             std::to_string(seq) + "', " + std::to_string(poll) + ", '2026-11-20T07:0" +
             std::to_string(poll) + ":00.000Z', '" + type + "', 'acc', " + sql_text(device) +
             ", " + module + ", " + scope + ", " + json(before) + ", " + json(after) + ", " +
             cause + ");\n";
    };
    std::string sql =
        "INSERT INTO accounts VALUES ('acc', 'finance', '2026-11-20T07:01:00.000Z');\n"
        "INSERT INTO polls (account_id, started_at, finished_at, outcome, events) VALUES "
        "('acc', '2026-11-20T07:00:58.000Z', '2026-11-20T07:01:00.000Z', 'ok', 0), "
        "('acc', '2026-11-20T07:01:58.000Z', '2026-11-20T07:02:00.000Z', 'ok', 2), "
        "('acc', '2026-11-20T07:02:58.000Z', '2026-11-20T07:03:00.000Z', 'ok', 2);\n";
    sql += device_row(laptop, "NULL") + device_row(phone, "'2026-11-20T07:03:00.000Z'") +
           device_row(tablet, "NULL");
    sql += scope_row("d1", docs, "NULL") + scope_row("d1", pictures, "'2026-11-20T07:03:00.000Z'") +
           scope_row("d3", camera, "NULL");
    sql += event_row(1, 2, "device.added", "d3", "NULL", "NULL", {}, tablet, "NULL");
    sql += event_row(2, 2, "scope.added", "d3", "101", "'s3'", {}, camera, "NULL");
    sql += event_row(3, 3, "scope.removed", "d1", "100", "'s2'", pictures, {}, "NULL");
    sql += event_row(4, 3, "device.removed", "d2", "NULL", "NULL", phone, {}, "NULL");
    exec_sql(db_path(), sql);
  }
};

TEST_F(ChainMigrationTest, ExistingEventsAreHashedAndTheLiveRowsBecomeTheStartingBaselines) {
  fill_version_2();
  Store store = Store::open(db_path());
  EXPECT_EQ(store.migrate(), (MigrationReport{2, static_cast<int>(embedded_migrations().size())}));

  EXPECT_EQ(query_text(db_path(), "SELECT prev_hash FROM events WHERE seq = 1"),
            std::string(64, '0'));
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM events AS e JOIN events AS p "
                                  "ON p.seq = e.seq - 1 WHERE e.prev_hash = p.hash"),
            "3");
  EXPECT_EQ(query_text(db_path(), "SELECT replay_after_seq FROM chain_origin"), "4");
  EXPECT_EQ(query_text(db_path(),
                       "SELECT group_concat(IFNULL(poll_id, '-') || ':' || IFNULL(device_id, '-') "
                       "|| ':' || IFNULL(module_code, '-') || ':' || records_json, ' ') "
                       "FROM (SELECT * FROM baselines ORDER BY baseline_id)"),
            "-:-:-:[" + record_to_json(laptop) + "," + record_to_json(tablet) + "] " +
                "-:d1:100:[" + record_to_json(docs) + "] " + "-:d3:101:[" +
                record_to_json(camera) + "]");
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM baselines "
                                  "WHERE observed_at = (SELECT created_at FROM chain_origin)"),
            "3");

  const VerifyReport report = Store::open_read_only(db_path()).verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.events, 4);
  EXPECT_EQ(report.baselines, 3);
  EXPECT_EQ(report.replayed_events, 0);  // the four are already in the baselines
  EXPECT_EQ(report.devices, 2);
  EXPECT_EQ(report.scopes, 2);
}

TEST_F(ChainMigrationTest, AfterTheUpgradeNewEventsContinueTheChainAndReplayFromTheBaselines) {
  fill_version_2();
  Store store = Store::open(db_path());
  store.migrate();

  Scope moved = docs;
  moved.local_path = "/Work";
  PollCommit poll = make_poll("acc", at("2026-11-23T07:00:00.000Z"));
  poll.device_writes = {{RowWrite::removed, tablet, 1}};
  poll.scope_writes = {{RowWrite::seen, "d1", moved, 0}, {RowWrite::removed, "d3", camera, 0}};
  poll.changes = {
      Change{ChangeType::device_removed, "d3", "tablet", std::nullopt, "", tablet, {}, ""},
      Change{ChangeType::scope_removed, "d3", "tablet", module_album, "s3", camera, {},
             "device.removed"},
      Change{ChangeType::scope_changed, "d1", "laptop", module_folder, "s1", docs, moved, ""}};
  EXPECT_EQ(store.commit_poll(poll).first_seq, 5);
  EXPECT_EQ(query_text(db_path(), "SELECT e.prev_hash = p.hash FROM events AS e, events AS p "
                                  "WHERE e.seq = 5 AND p.seq = 4"),
            "1");

  VerifyReport report = Store::open_read_only(db_path()).verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.replayed_events, 3);
  EXPECT_EQ(report.devices, 1);
  EXPECT_EQ(report.scopes, 1);

  // The events before the upgrade are not replayed, but their hashes are checked.
  exec_sql(db_path(), "UPDATE events SET cause = 'edited' WHERE seq = 2");
  report = Store::open_read_only(db_path()).verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.first_bad_seq(), 2);
  EXPECT_THAT(report.problems.front().text, HasSubstr("seq 2: hash does not match"));
}

TEST_F(ChainMigrationTest, AnUnhashableEventFailsTheWholeMigration) {
  fill_version_2();
  // A BLOB where the store only ever writes TEXT: the step refuses to invent a hash for it.
  exec_sql(db_path(), "UPDATE events SET cause = X'01' WHERE seq = 3");
  const std::string before = dump(db_path());
  Store store = Store::open(db_path());
  try {
    store.migrate();
    FAIL() << "migrated an event it cannot hash";
  } catch (const StoreError& e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("migration 0003_hash_chain failed: events seq 3: column cause holds a "
                          "REAL or BLOB value"));
  }
  EXPECT_EQ(store.schema_version(), 2);
  EXPECT_EQ(dump(db_path()), before);
}

}  // namespace
}  // namespace kda::test
