#pragma once
// Shared by the store tests: a temporary directory per test, a logical dump of a database
// (every table's rows, the schema and user_version) and small builders for polls.
#include "koodrive_audit/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace kda::test {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::filesystem::path db_path() const { return dir_ / "audit.db"; }
  // Opens db_path() and applies the embedded migrations.
  Store open_migrated(StoreOptions options = {}) const;

  std::filesystem::path dir_;
};

// A StoreTest with the store open and migrated for the whole test: store().
class MigratedStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_.emplace(open_migrated());
  }
  void TearDown() override {
    store_.reset();
    StoreTest::TearDown();
  }
  Store& store() { return *store_; }

 private:
  std::optional<Store> store_;
};

// Every row of every table (sqlite_sequence included), the schema and PRAGMA user_version,
// read through a separate connection: what any other reader of the file would see.
std::string dump(const std::filesystem::path& db);

// Runs SQL through a separate connection (to tamper with the file behind the store's back).
void exec_sql(const std::filesystem::path& db, const std::string& sql);
// The first column of the first row of a query, as text ("NULL" for NULL).
std::string query_text(const std::filesystem::path& db, const std::string& sql);

SystemTime at(const char* iso8601);

Device make_device(const std::string& id, const std::string& name = "laptop");
Scope make_scope(const std::string& id, int module_code, const std::string& path = "/home/a");

PollCommit make_poll(const std::string& account_id, SystemTime finished, std::string outcome = "ok");

// Every column of every row of scopes and of fetch_status, in key order, as one text: what a
// table rebuild must leave unchanged.
inline constexpr const char* every_scope_sql =
    "SELECT group_concat(account_id || '|' || device_id || '|' || module_code || '|' || "
    "scope_id || '|' || local_path || '|' || target_folder_path || '|' || create_time || '|' "
    "|| first_seen_at || '|' || last_seen_at || '|' || IFNULL(removed_at, 'NULL') || '|' || "
    "missing_count, ';') FROM (SELECT * FROM scopes ORDER BY device_id, module_code, scope_id)";
inline constexpr const char* every_fetch_status_sql =
    "SELECT group_concat(device_id || '|' || module_code || '|' || last_attempt_at || '|' || "
    "IFNULL(last_success_at, 'NULL') || '|' || consecutive_failures || '|' || "
    "IFNULL(last_error, 'NULL'), ';') FROM (SELECT * FROM fetch_status ORDER BY device_id, "
    "module_code)";

// The history the migration tests upgrade: two polls of account "acc" committed on an older
// schema. The first is a silent baseline of two devices (laptop d1 with docs s1 and pictures
// s2 in the folder module, phone d2 with camera s3 in the album module); the second removes
// pictures (one scope.removed event) and fails the phone's album pair.
struct TwoPollHistory {
  Device laptop = make_device("d1", "laptop");
  Device phone = make_device("d2", "phone");
  Scope docs = make_scope("s1", module_folder, "/Documents");
  Scope pictures = make_scope("s2", module_folder, "/Pictures");
  Scope camera = make_scope("s3", module_album, "/DCIM");

  // Creates `db` at schema `version` (the first `version` embedded migrations) and commits
  // the two polls.
  void commit_at_schema(const std::filesystem::path& db, int version) const;
};

}  // namespace kda::test
