// `koodrive-audit verify` as a process, on a database that `poll --once` filled from koodrive-sim
// over several polls (baseline, change, removal, a device unbound, a device bound): it verifies;
// then a row edited with the sqlite3 command-line tool makes it fail, naming the seq (issue #6).
#include "run_command.hpp"
#include "support/sim_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr const char* account = "1505084218764547200";
constexpr const char* laptop = "1775406005920779393";
constexpr const char* phone = "1842812272691451648";
constexpr const char* laptop_docs = "1842846715527366528";
constexpr const char* token = "verify-test-token-0123456789";

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kda-verify-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "token") << token;
    fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write);
    // clang-format off
    std::ofstream(dir_ / "state.json") << R"({"users":[{"user_id":")" << account << R"(","devices":[
      {"deviceId":")" << laptop << R"(","machineCode":"m1","deviceName":"Laptop","deviceOS":"windows",
       "createTime":"2025-09-15T06:14:48.630Z","scopes":{"100":[{"scopeId":")" << laptop_docs
        << R"(","localPath":"/Documents","targetFolderPath":"/backup/Documents","createTime":"2025-12-17T07:27:27.709Z"}]}},
      {"deviceId":")" << phone << R"(","machineCode":"m2","deviceName":"Phone","deviceOS":"android",
       "createTime":"2025-12-17T06:19:01.803Z","scopes":{"101":[{"scopeId":"1842846715527366529",
       "localPath":"/DCIM","targetFolderPath":"/backup/DCIM","createTime":"2025-12-17T07:27:27.709Z"}]}}]}]})";
    // clang-format on
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "--listen", "127.0.0.1:0", "--state", (dir_ / "state.json").string(), "--token", token});
    std::ofstream(dir_ / "config.yaml")
        << "api:\n  base_url: " << sim_->base_url()
        << "\n  timeout: 2s\n  retry: {attempts: 1}\n"
           "auth: {mode: token, token_file: token}\n"
           "accounts: [{user_id: \""
        << account
        << "\", name: test}]\n"
           "database: {path: audit.db}\n"
           "events:\n  sinks:\n    - {type: jsonl, path: events.jsonl}\n";
    fs::permissions(dir_ / "config.yaml", fs::perms::owner_read | fs::perms::owner_write);
  }
  void TearDown() override {
    sim_.reset();
    fs::remove_all(dir_);
  }

  std::string config() const { return (dir_ / "config.yaml").string(); }
  fs::path db() const { return dir_ / "audit.db"; }

  void poll() {
    const CommandResult result = run_cli({"poll", "--once", "--config", config()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  void sim_ok(std::string_view method, const std::string& target, std::string_view body = {}) {
    const HttpReply reply = sim_->control(method, target, body);
    ASSERT_EQ(reply.status, 200) << method << " " << target << ": " << reply.body;
  }
  CommandResult verify() { return run_cli({"verify", "--config", config()}); }

  // Baseline; the laptop's Documents scope moves; the phone is unbound (a cascade); a tablet is
  // bound with a scope. Events: scope.changed; device.removed, scope.removed; device.added,
  // scope.added.
  void history() {
    poll();
    sim_ok("PATCH", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs,
           R"({"localPath":"/Work"})");
    poll();
    sim_ok("DELETE", std::string("/_sim/devices/") + phone);
    poll();
    sim_ok("POST", "/_sim/devices",
           R"({"deviceId":"1900000000000000001","machineCode":"m3","deviceName":"Tablet","deviceOS":"ipados"})");
    sim_ok("POST", "/_sim/devices/1900000000000000001/scopes",
           R"({"moduleCode":"100","localPath":"/Notes","targetFolderPath":"/backup/Notes"})");
    poll();
  }

  fs::path dir_;
  std::unique_ptr<SimProcess> sim_;
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
                                    laptop_docs + ": local_path \"/Tmp\" in the history, "
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
