// Upgrading a database from schema 6 to 7 (migration 0007_plain_checks): scopes, fetch_status,
// baselines and events are rebuilt with their IN checks written as comparisons. Every row,
// every view's answer, the counters and the hash chains must come through unchanged,
// the checks must refuse what they refused before, and the store's inserts must no longer
// build a temporary B-tree per row (the reason for the migration).
#include "store_fixture.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

namespace kda::test {
namespace {

class PlainChecksMigrationTest : public StoreTest {
 protected:
  const TwoPollHistory history;

  void fill_version_6() { history.commit_at_schema(db_path(), 6); }

  // A silent baseline of the phone's address book.
  PollCommit third_poll() {
    PollCommit third = make_poll("acc", at("2026-11-23T07:10:00.000Z"));
    third.scope_writes = {
        {RowWrite::seen, "d2", make_scope("s4", module_address_book, "/contacts"), 0}};
    third.attempts = {{{"d2", module_address_book}, true, ""}};
    third.baseline_pairs = {{"d2", module_address_book}};
    return third;
  }

  // The opcodes SQLite compiles `sql` to, one per line. Read-write: on a read-only connection
  // SQLite leaves the constraint checks out of an INSERT it could never run.
  std::string opcodes(const std::string& sql) {
    SQLite::Database db(db_path().string(), SQLite::OPEN_READWRITE);
    SQLite::Statement explain(db, "EXPLAIN " + sql);
    std::string out;
    while (explain.executeStep()) out += explain.getColumn(1).getString() + "\n";
    return out;
  }
};

TEST_F(PlainChecksMigrationTest, RowsViewsCounterAndChainsComeThroughUnchanged) {
  fill_version_6();
  const std::string scopes_sql = every_scope_sql;
  const std::string fetch_status_sql = every_fetch_status_sql;
  const std::string baselines_sql =
      "SELECT group_concat(baseline_id || '|' || poll_id || '|' || observed_at || '|' || "
      "account_id || '|' || IFNULL(device_id, 'NULL') || '|' || IFNULL(module_code, 'NULL') || "
      "'|' || records_json || '|' || prev_hash || '|' || hash, ';') FROM (SELECT * FROM "
      "baselines ORDER BY baseline_id)";
  const std::string events_sql =
      "SELECT group_concat(seq || '|' || event_id || '|' || poll_id || '|' || observed_at || '|' "
      "|| type || '|' || account_id || '|' || IFNULL(device_id, 'NULL') || '|' || "
      "IFNULL(module_code, 'NULL') || '|' || IFNULL(scope_id, 'NULL') || '|' || "
      "IFNULL(before_json, 'NULL') || '|' || IFNULL(after_json, 'NULL') || '|' || "
      "IFNULL(cause, 'NULL') || '|' || prev_hash || '|' || hash, ';') FROM (SELECT * FROM "
      "events ORDER BY seq)";
  const std::string history_sql =
      "SELECT group_concat(seq || '|' || device_name || '|' || module || '|' || scope_id, ';') "
      "FROM scope_history";
  const std::string views_sql =
      "SELECT (SELECT group_concat(device_name || '|' || module || '|' || scope_id, ';') FROM "
      "(SELECT * FROM current_scopes ORDER BY device_id, module_code, scope_id)) || '/' || "
      "(SELECT group_concat(device_name || '|' || module || '|' || last_attempt_at || '|' || "
      "IFNULL(last_success_at, 'NULL') || '|' || consecutive_failures, ';') FROM (SELECT * FROM "
      "current_fetch_status ORDER BY device_id, module_code))";
  const std::string indexes_sql =
      "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'index' "
      "AND tbl_name = 'baselines' AND sql IS NOT NULL ORDER BY name)";
  const std::string events_before = query_text(db_path(), events_sql);
  const std::string history_before = query_text(db_path(), history_sql);
  ASSERT_NE(events_before, "NULL");
  ASSERT_NE(history_before, "NULL");
  const std::string scopes_before = query_text(db_path(), scopes_sql);
  const std::string fetch_status_before = query_text(db_path(), fetch_status_sql);
  const std::string baselines_before = query_text(db_path(), baselines_sql);
  const std::string views_before = query_text(db_path(), views_sql);
  ASSERT_NE(scopes_before, "NULL");
  ASSERT_NE(fetch_status_before, "NULL");
  ASSERT_NE(baselines_before, "NULL");
  ASSERT_EQ(query_text(db_path(), indexes_sql), "baselines_by_device,baselines_by_poll");
  const std::string counter_sql =
      "SELECT group_concat(name || '=' || seq) FROM sqlite_sequence WHERE name LIKE 'baselines%'";
  ASSERT_EQ(query_text(db_path(), counter_sql), "baselines=3");

  Store store = Store::open(db_path());
  EXPECT_EQ(store.migrate(), (MigrationReport{6, static_cast<int>(embedded_migrations().size())}));

  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM sqlite_master WHERE name LIKE '%0007'"),
            "0");
  EXPECT_EQ(query_text(db_path(), counter_sql), "baselines=3");
  EXPECT_EQ(query_text(db_path(), scopes_sql), scopes_before);
  EXPECT_EQ(query_text(db_path(), fetch_status_sql), fetch_status_before);
  EXPECT_EQ(query_text(db_path(), baselines_sql), baselines_before);
  EXPECT_EQ(query_text(db_path(), views_sql), views_before);
  EXPECT_EQ(query_text(db_path(), events_sql), events_before);
  EXPECT_EQ(query_text(db_path(), history_sql), history_before);
  EXPECT_EQ(query_text(db_path(), "SELECT seq FROM sqlite_sequence WHERE name = 'events'"), "1");
  EXPECT_EQ(query_text(db_path(),
                       "SELECT group_concat(name, ',') FROM (SELECT name FROM "
                       "sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
                       "AND sql IS NOT NULL ORDER BY name)"),
            "events_by_device,events_by_observed_at,events_by_poll");
  EXPECT_EQ(query_text(db_path(), indexes_sql), "baselines_by_device,baselines_by_poll");
  EXPECT_EQ(query_text(db_path(),
                       "SELECT group_concat(name) FROM (SELECT name FROM "
                       "pragma_table_list WHERE wr = 1 AND schema = 'main' ORDER BY "
                       "name)"),
            "fetch_status,scopes");
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM pragma_foreign_key_check"), "0");

  // The store goes on polling the upgraded file, and both chains still verify.
  store.commit_poll(third_poll());
  EXPECT_EQ(query_text(db_path(), "SELECT max(baseline_id) FROM baselines"), "4");
  const VerifyReport report = store.verify();
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems.front().text);
  EXPECT_EQ(report.scopes, 3);
}

// Retention can leave the AUTOINCREMENT counter above every id that remains (it prunes the
// oldest baselines, and may prune them all): the rebuilt table takes the counter over, so that
// no baseline id is ever given twice.
TEST_F(PlainChecksMigrationTest, TheBaselineCounterSurvivesTheRebuild) {
  fill_version_6();
  exec_sql(db_path(), "UPDATE sqlite_sequence SET seq = 40 WHERE name = 'baselines'");
  Store store = Store::open(db_path());
  store.migrate();
  EXPECT_EQ(query_text(db_path(),
                       "SELECT group_concat(name || '=' || seq) FROM sqlite_sequence "
                       "WHERE name LIKE 'baselines%'"),
            "baselines=40");
  store.commit_poll(third_poll());
  EXPECT_EQ(query_text(db_path(), "SELECT max(baseline_id) FROM baselines"), "41");
}

TEST_F(PlainChecksMigrationTest, TheChecksRefuseWhatTheyRefusedBefore) {
  fill_version_6();
  Store store = Store::open(db_path());
  store.migrate();
  for (const int module : {99, 103, 1000}) {
    const std::string code = std::to_string(module);
    EXPECT_ANY_THROW(exec_sql(db_path(), "INSERT INTO scopes VALUES ('acc', 'd1', " + code +
                                             ", 's9', '/x', '/y', 't', 't', 't', NULL, 0)"))
        << code;
    EXPECT_ANY_THROW(exec_sql(db_path(), "INSERT INTO fetch_status VALUES ('acc', 'd1', " + code +
                                             ", 't', NULL, 0, NULL)"))
        << code;
    EXPECT_ANY_THROW(exec_sql(db_path(),
                              "INSERT INTO baselines (poll_id, observed_at, "
                              "account_id, device_id, module_code, records_json, "
                              "prev_hash, hash) VALUES (1, 't', 'acc', 'd1', " +
                                  code + ", '[]', 'p', 'h')"))
        << code;
    EXPECT_ANY_THROW(exec_sql(db_path(),
                              "INSERT INTO events (event_id, poll_id, observed_at, "
                              "type, account_id, device_id, module_code, scope_id) "
                              "VALUES ('e-" +
                                  code +
                                  "', 1, 't', 'scope.added', "
                                  "'acc', 'd1', " +
                                  code + ", 's1')"))
        << code;
  }
  for (const std::string type : {"scope.moved", "device", "", "Device.added"}) {
    EXPECT_ANY_THROW(exec_sql(db_path(),
                              "INSERT INTO events (event_id, poll_id, observed_at, "
                              "type, account_id) VALUES ('e', 1, 't', '" +
                                  type + "', 'acc')"))
        << type;
  }
  for (const std::string type :
       {"coverage.lost", "coverage.restored", "audit.suspect_mass_removal"}) {
    exec_sql(db_path(),
             "INSERT INTO events (event_id, poll_id, observed_at, type, account_id) "
             "VALUES ('e-" +
                 type + "', 1, 't', '" + type + "', 'acc')");
  }
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM events WHERE event_id GLOB 'e-*'"), "3");
  // A real value, text or not, still passes where it passed: 101 as text takes the column's
  // INTEGER affinity, as before.
  exec_sql(db_path(),
           "INSERT INTO scopes VALUES ('acc', 'd1', '101', 's9', '/x', '/y', 't', "
           "'t', 't', NULL, 0)");
  EXPECT_EQ(query_text(db_path(), "SELECT typeof(module_code) FROM scopes WHERE scope_id = 's9'"),
            "integer");
  // The key and the reference to devices are those of schema 6.
  EXPECT_ANY_THROW(exec_sql(db_path(),
                            "INSERT INTO scopes VALUES ('acc', 'd1', 100, 's1', '/x', "
                            "'/y', 't', 't', 't', NULL, 0)"));
  EXPECT_ANY_THROW(exec_sql(db_path(),
                            "PRAGMA foreign_keys = ON; INSERT INTO scopes VALUES "
                            "('acc', 'nobody', 100, 's8', '/x', '/y', 't', 't', 't', "
                            "NULL, 0)"));
  EXPECT_ANY_THROW(exec_sql(db_path(),
                            "INSERT INTO baselines (poll_id, observed_at, account_id, "
                            "device_id, module_code, records_json, prev_hash, hash) "
                            "VALUES (1, 't', 'acc', 'd1', NULL, '[]', 'p', 'h')"));
}

TEST_F(PlainChecksMigrationTest, InsertsBuildNoTemporaryTreePerRow) {
  fill_version_6();
  // With parameters, as the store binds them (a constant module_code is checked once, when
  // the statement is compiled).
  const std::string scope_insert =
      "INSERT INTO scopes VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, NULL, 0)";
  const std::string fetch_status_insert =
      "INSERT INTO fetch_status VALUES (?1, ?2, ?3, ?4, ?4, 0, NULL)";
  const std::string baseline_insert =
      "INSERT INTO baselines (poll_id, observed_at, account_id, device_id, module_code, "
      "records_json, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
  const std::string event_insert =
      "INSERT INTO events (seq, event_id, poll_id, observed_at, type, account_id, device_id, "
      "module_code, scope_id, before_json, after_json, cause, prev_hash, hash) VALUES (?1, ?2, "
      "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
  // Schema 6: each check's IN list is a temporary B-tree, built for every row.
  ASSERT_NE(opcodes(scope_insert).find("OpenEphemeral"), std::string::npos);
  ASSERT_NE(opcodes(fetch_status_insert).find("OpenEphemeral"), std::string::npos);
  ASSERT_NE(opcodes(baseline_insert).find("OpenEphemeral"), std::string::npos);
  ASSERT_NE(opcodes(event_insert).find("OpenEphemeral"), std::string::npos);

  Store store = Store::open(db_path());
  store.migrate();
  EXPECT_EQ(opcodes(scope_insert).find("OpenEphemeral"), std::string::npos);
  EXPECT_EQ(opcodes(fetch_status_insert).find("OpenEphemeral"), std::string::npos);
  EXPECT_EQ(opcodes(baseline_insert).find("OpenEphemeral"), std::string::npos);
  EXPECT_EQ(opcodes(event_insert).find("OpenEphemeral"), std::string::npos);
}

}  // namespace
}  // namespace kda::test
