// `koodrive-audit verify` as a process, on a database that `poll --once` filled from koodrive-sim
// over several polls (baseline, change, removal, a device unbound, a device bound): it verifies;
// then a row edited with the sqlite3 command-line tool makes it fail, naming the seq (issue #6).
#include "sim_history.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr const char* account = history_account;
constexpr const char* laptop = history_laptop;

class Verify : public SimHistory {
 protected:
  CommandResult verify() { return run_cli({"verify", "--config", config()}); }
};

TEST_F(Verify, AHistoryFromTheSimulatorVerifies) {
  history();
  const CommandResult result = verify();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // Baselines: the device list and the six (device, module) pairs of poll 1.
  EXPECT_EQ(result.out,
            "verified 5 events and 7 baselines; the replay matches 2 devices and 2 scopes\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(Verify, ARowEditedWithTheSqlite3ToolFailsNamingTheSeq) {
  history();
  ASSERT_EQ(verify().exit_code, 0);
  // The literal check of issue #6: someone rewrites where a scope was backed up from.
  const std::string command = "sqlite3 " + db().string() +
                              " \"UPDATE events SET after_json = replace(after_json, '/Work', "
                              "'/Tmp') WHERE seq = 1\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  const CommandResult result = verify();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("seq 1: hash does not match the row's contents"));
  EXPECT_THAT(result.out, HasSubstr(std::string("scope ") + account + "/" + laptop + "/100/" +
                                    history_laptop_docs + ": local_path \"/Tmp\" in the history, "
                                                  "\"/Work\" in scopes"));
  EXPECT_THAT(result.err, MatchesRegex("verify: FAILED: 2 problems in .*audit.db; the first bad "
                                       "event is seq 1\n"));
}

TEST_F(Verify, ADeletedEventAndAnEditedSnapshotRowAreNamed) {
  history();
  const std::string command = "sqlite3 " + db().string() +
                              " \"DELETE FROM events WHERE seq = 2; UPDATE devices SET "
                              "device_name = 'Evil' WHERE device_id = '" + laptop + "'\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const CommandResult result = verify();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("seq 2: missing (deleted): the chain goes from seq 1 to seq 3\n"));
  EXPECT_THAT(result.out, HasSubstr(std::string("device ") + account + "/" + laptop +
                                    ": device_name \"Laptop\" in the history, \"Evil\" in devices"));
  EXPECT_THAT(result.err, HasSubstr("the first bad event is seq 2"));
}

TEST_F(Verify, WithoutADatabaseItSaysSoAndExits1) {
  const CommandResult result = verify();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("verify: no database at"));
  EXPECT_FALSE(fs::exists(db()));
}

}  // namespace
}  // namespace kda::test
