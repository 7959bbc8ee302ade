// Upgrading a database from schema 5 to 6 (migration 0006_without_rowid): scopes and
// fetch_status are rebuilt as WITHOUT ROWID tables. Every row, every view's answer and the
// hash chains must come through unchanged, and the store must go on polling the upgraded file.
#include "store_fixture.hpp"

#include <gtest/gtest.h>

namespace kda::test {
namespace {

class WithoutRowidMigrationTest : public StoreTest {
 protected:
  const TwoPollHistory history;

  void fill_version_5() { history.commit_at_schema(db_path(), 5); }

  bool without_rowid(const std::string& table) {
    return query_text(db_path(),
                      "SELECT wr FROM pragma_table_list WHERE name = '" + table + "'") == "1";
  }
};

TEST_F(WithoutRowidMigrationTest, RowsViewsAndChainsComeThroughUnchanged) {
  fill_version_5();
  ASSERT_FALSE(without_rowid("scopes"));
  const std::string scopes_sql = every_scope_sql;
  const std::string fetch_status_sql = every_fetch_status_sql;
  const std::string current_scopes_sql =
      "SELECT group_concat(device_name || '|' || module || '|' || scope_id || '|' || local_path, "
      "';') FROM (SELECT * FROM current_scopes ORDER BY device_id, module_code, scope_id)";
  const std::string current_fetch_status_sql =
      "SELECT group_concat(device_name || '|' || module || '|' || last_attempt_at || '|' || "
      "IFNULL(last_success_at, 'NULL') || '|' || consecutive_failures, ';') FROM (SELECT * FROM "
      "current_fetch_status ORDER BY device_id, module_code)";
  const std::string scopes_before = query_text(db_path(), scopes_sql);
  const std::string fetch_status_before = query_text(db_path(), fetch_status_sql);
  const std::string current_scopes_before = query_text(db_path(), current_scopes_sql);
  const std::string current_fetch_status_before = query_text(db_path(), current_fetch_status_sql);
  ASSERT_NE(scopes_before, "NULL");
  ASSERT_NE(fetch_status_before, "NULL");

  Store store = Store::open(db_path());
  EXPECT_EQ(store.migrate(), (MigrationReport{5, static_cast<int>(embedded_migrations().size())}));

  EXPECT_TRUE(without_rowid("scopes"));
  EXPECT_TRUE(without_rowid("fetch_status"));
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM sqlite_master WHERE name LIKE '%0006'"),
            "0");
  EXPECT_EQ(query_text(db_path(), scopes_sql), scopes_before);
  EXPECT_EQ(query_text(db_path(), fetch_status_sql), fetch_status_before);
  EXPECT_EQ(query_text(db_path(), current_scopes_sql), current_scopes_before);
  EXPECT_EQ(query_text(db_path(), current_fetch_status_sql), current_fetch_status_before);
  const VerifyReport report = store.verify();
  EXPECT_TRUE(report.ok()) << report.problems.size() << " problems";
  EXPECT_EQ(report.scopes, 2);
}

TEST_F(WithoutRowidMigrationTest, TheConstraintsHoldAfterTheRebuild) {
  fill_version_5();
  Store store = Store::open(db_path());
  store.migrate();
  // The key, the module check and the reference to devices are those of schema 5.
  EXPECT_ANY_THROW(exec_sql(db_path(), "INSERT INTO scopes VALUES ('acc', 'd1', 100, 's1', '/x', "
                                       "'/y', 't', 't', 't', NULL, 0)"));
  EXPECT_ANY_THROW(exec_sql(db_path(), "INSERT INTO scopes VALUES ('acc', 'd1', 103, 's9', '/x', "
                                       "'/y', 't', 't', 't', NULL, 0)"));
  EXPECT_ANY_THROW(exec_sql(db_path(), "PRAGMA foreign_keys = ON; INSERT INTO scopes VALUES "
                                       "('acc', 'nobody', 100, 's9', '/x', '/y', 't', 't', 't', "
                                       "NULL, 0)"));
  EXPECT_ANY_THROW(exec_sql(db_path(), "INSERT INTO fetch_status VALUES ('acc', 'd1', 100, 't', "
                                       "NULL, 0, NULL)"));

  // And the store polls the upgraded file: a new scope on the phone.
  PollCommit third = make_poll("acc", at("2026-11-23T07:10:00.000Z"));
  const Scope contacts = make_scope("s4", module_address_book, "/contacts");
  third.scope_writes = {{RowWrite::seen, "d2", contacts, 0}};
  third.changes = {Change{ChangeType::scope_added, "d2", "phone", module_address_book,
                          "s4", std::monostate{}, contacts, ""}};
  third.attempts = {{{"d2", module_album}, true, ""}, {{"d2", module_address_book}, true, ""}};
  store.commit_poll(third);
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM current_scopes"), "3");
  EXPECT_EQ(query_text(db_path(), "SELECT consecutive_failures FROM fetch_status WHERE "
                                  "device_id = 'd2' AND module_code = 101"),
            "0");
  EXPECT_TRUE(store.verify().ok());
}

}  // namespace
}  // namespace kda::test
