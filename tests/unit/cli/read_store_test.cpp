// cli/read_store.hpp: what history and status say when there is nothing (usable) to read, and
// that they never create or migrate a database.
#include "cli/read_store.hpp"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kda::cli {
namespace {

namespace fs = std::filesystem;

class ReadStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "kda-read-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path db() const { return dir_ / "audit.db"; }
  fs::path dir_;
  std::ostringstream err_;
};

TEST_F(ReadStore, AMissingDatabaseIsNamedAndNotCreated) {
  EXPECT_FALSE(open_store_for_reading(db(), "history", err_));
  EXPECT_EQ(err_.str(), "history: no database at " + db().string() +
                            "; run `koodrive-audit migrate` or start the daemon\n");
  EXPECT_FALSE(fs::exists(db()));
}

TEST_F(ReadStore, AnEmptyFileHasNoSchemaAndIsNotMigrated) {
  std::ofstream{db()};
  EXPECT_FALSE(open_store_for_reading(db(), "status", err_));
  EXPECT_EQ(err_.str(), "status: " + db().string() +
                            ": the database has no schema yet; run `koodrive-audit migrate` or "
                            "start the daemon\n");
  EXPECT_EQ(fs::file_size(db()), 0u);
}

TEST_F(ReadStore, ANewerSchemaAsksForAnUpgrade) {
  Store::open(db()).migrate();
  { SQLite::Database(db().string(), SQLite::OPEN_READWRITE).exec("PRAGMA user_version = 99"); }
  EXPECT_FALSE(open_store_for_reading(db(), "status", err_));
  EXPECT_EQ(err_.str(), "status: " + db().string() +
                            ": schema version 99 is newer than this "
                            "koodrive-audit supports (" +
                            std::to_string(embedded_migrations().size()) +
                            "); upgrade koodrive-audit\n");
}

TEST_F(ReadStore, AFileThatIsNotADatabaseIsNamed) {
  std::ofstream(db()) << "SQLite format 2? no: a text file long enough to have a header page\n";
  EXPECT_FALSE(open_store_for_reading(db(), "history", err_));
  EXPECT_EQ(err_.str().rfind("history: " + db().string() + ": ", 0), 0u) << err_.str();
  EXPECT_NE(err_.str().find("not a database"), std::string::npos) << err_.str();
}

TEST_F(ReadStore, ACurrentDatabaseOpensReadOnly) {
  Store::open(db()).migrate();
  std::optional<Store> store = open_store_for_reading(db(), "history", err_);
  ASSERT_TRUE(store);
  EXPECT_EQ(err_.str(), "");
  EXPECT_TRUE(store->history({}).empty());
  EXPECT_THROW(store->set_sink_cursor("log", 1, SystemTime{}), std::runtime_error);
}

}  // namespace
}  // namespace kda::cli
