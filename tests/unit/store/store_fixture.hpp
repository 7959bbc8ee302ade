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

}  // namespace kda::test
