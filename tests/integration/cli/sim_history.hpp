#pragma once
// The CLI tests' tenant: koodrive-sim serving one account with a laptop and a phone, a config
// for it, and a history made the way an operator's is: `poll --once` processes over several
// polls (baseline, change, removal, a device unbound, a device bound). Shared by the tests of
// poll, verify, history and status, and prune.
#include "run_command.hpp"
#include "support/sim_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace kda::test {

inline constexpr const char* history_account = "1505084218764547200";
inline constexpr const char* history_laptop = "1775406005920779393";
inline constexpr const char* history_phone = "1842812272691451648";
inline constexpr const char* history_laptop_docs = "1842846715527366528";  // laptop, folder (100)
inline constexpr const char* history_phone_album = "1842846715527366529";  // phone, album (101)

class SimHistory : public ::testing::Test {
 protected:
  static constexpr const char* token = "sim-history-token-0123456789";

  void SetUp() override {
    namespace fs = std::filesystem;
    dir_ = fs::temp_directory_path() /
           ("kda-history-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "token") << token;
    fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write);
    // clang-format off
    std::ofstream(dir_ / "state.json") << R"({"users":[{"user_id":")" << history_account << R"(","devices":[
      {"deviceId":")" << history_laptop << R"(","machineCode":"m1","deviceName":"Laptop","deviceOS":"windows",
       "createTime":"2025-09-15T06:14:48.630Z","scopes":{"100":[{"scopeId":")" << history_laptop_docs
        << R"(","localPath":"/Documents","targetFolderPath":"/backup/Documents","createTime":"2025-12-17T07:27:27.709Z"}]}},
      {"deviceId":")" << history_phone << R"(","machineCode":"m2","deviceName":"Phone","deviceOS":"android",
       "createTime":"2025-12-17T06:19:01.803Z","scopes":{"101":[{"scopeId":")" << history_phone_album
        << R"(","localPath":"/DCIM","targetFolderPath":"/backup/DCIM","createTime":"2025-12-17T07:27:27.709Z"}]}}]}]})";
    // clang-format on
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "--listen", "127.0.0.1:0", "--state", (dir_ / "state.json").string(), "--token", token});
    write_config();
  }
  void TearDown() override {
    sim_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The config: one account; `database_extra` adds keys to `database:` (e.g. "retention: 1s");
  // `events` is the YAML under `events:`, its lines indented by two spaces.
  void write_config(std::string_view database_extra = {},
                    std::string_view events = "  sinks:\n    - {type: jsonl, path: events.jsonl}\n") {
    namespace fs = std::filesystem;
    std::ofstream(dir_ / "config.yaml")
        << "api:\n  base_url: " << sim_->base_url()
        << "\n  timeout: 2s\n  retry: {attempts: 1}\n"
           "auth: {mode: token, token_file: token}\n"
           "accounts: [{user_id: \""
        << history_account
        << "\", name: test}]\n"
           "database: {path: audit.db"
        << (database_extra.empty() ? "" : ", ") << database_extra
        << "}\n"
           "events:\n"
        << events;
    // Not readable by others: no config-mode warning in the stderr the tests compare.
    fs::permissions(dir_ / "config.yaml", fs::perms::owner_read | fs::perms::owner_write);
  }

  std::string config() const { return (dir_ / "config.yaml").string(); }
  std::filesystem::path db() const { return dir_ / "audit.db"; }

  void poll(int expected_exit = 0) {
    const CommandResult result = run_cli({"poll", "--once", "--config", config()});
    ASSERT_EQ(result.exit_code, expected_exit) << result.err;
  }
  void sim_ok(std::string_view method, std::string_view target, std::string_view body = {}) {
    const HttpReply reply = sim_->control(method, target, body);
    ASSERT_EQ(reply.status, 200) << method << " " << target << ": " << reply.body;
  }

  // Baseline; the laptop's Documents scope moves; the phone is unbound (a cascade); a tablet is
  // bound with a scope. Events: scope.changed; device.removed, scope.removed; device.added,
  // scope.added.
  void history() {
    poll();
    sim_ok("PATCH", std::string("/_sim/devices/") + history_laptop + "/scopes/" + history_laptop_docs,
           R"({"localPath":"/Work"})");
    poll();
    sim_ok("DELETE", std::string("/_sim/devices/") + history_phone);
    poll();
    sim_ok("POST", "/_sim/devices",
           R"({"deviceId":"1900000000000000001","machineCode":"m3","deviceName":"Tablet","deviceOS":"ipados"})");
    sim_ok("POST", "/_sim/devices/1900000000000000001/scopes",
           R"({"moduleCode":"100","localPath":"/Notes","targetFolderPath":"/backup/Notes"})");
    poll();
  }

  std::filesystem::path dir_;
  std::unique_ptr<SimProcess> sim_;
};

}  // namespace kda::test
