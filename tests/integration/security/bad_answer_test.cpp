// One (device, module) pair answered with a broken body — not JSON, cut short, an ID as a number
// — while every other pair answers normally. `poll --once` must report a partial poll (exit 2),
// record for that pair an error naming the request and what was wrong, leave its snapshot
// exactly as it was and raise no event for it, and commit every other pair. Once the answers are
// good again, the held-back change arrives: nothing was lost.
#include "run_command.hpp"
#include "scratch_dir.hpp"
#include "support/sim_process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kda::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* token = "bad-answer-test-token-31337";
constexpr int target_module = 101;

struct BadAnswer {
  const char* kind;       // the simulator's fault kind
  const char* what;       // what the recorded error must say after the request
};

class BadAnswerForOnePair : public ::testing::TestWithParam<BadAnswer> {
 protected:
  void SetUp() override {
    dir_.write("token", token);
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "--listen", "127.0.0.1:0", "--devices", "3", "--scopes-per-module", "2", "--token", token});
    dir_.write("config.yaml",
               "api:\n  base_url: " + sim_->base_url() +
                   "\n  timeout: 2s\n  retry: {attempts: 1}\n"
                   "auth: {mode: token, token_file: token}\n"
                   "accounts: [{user_id: \"1505084218764547200\", name: test}]\n"
                   "database: {path: audit.db}\n"
                   "events:\n  sinks:\n    - {type: log}\n    - {type: jsonl, path: events.jsonl}\n");
    const auto state = boost::json::parse(sim_->control("GET", "/_sim/state").body);
    for (const auto& device : state.at("users").at(0).at("devices").as_array()) {
      devices_.emplace_back(device.at("deviceId").as_string());
      const auto& scopes = device.at("scopes").as_object();
      scopes_.push_back({std::string(scopes.at("100").at(0).at("scopeId").as_string()),
                         std::string(scopes.at("101").at(0).at("scopeId").as_string()),
                         std::string(scopes.at("101").at(1).at("scopeId").as_string())});
    }
    ASSERT_EQ(devices_.size(), 3u);
  }

  CommandResult poll() {
    return run_cli({"poll", "--once", "--config", (dir_ / "config.yaml").string()});
  }

  void sim_ok(std::string_view method, const std::string& target, std::string_view body = {}) {
    const HttpReply reply = sim_->control(method, target, body);
    ASSERT_EQ(reply.status, 200) << method << " " << target << ": " << reply.body;
  }

  // Every column of the pair's scope rows: what "untouched" compares.
  std::vector<std::string> pair_snapshot(const std::string& device_id) {
    SQLite::Database db((dir_ / "audit.db").string());
    SQLite::Statement query(db,
                            "SELECT scope_id, local_path, target_folder_path, create_time,"
                            " first_seen_at, last_seen_at, IFNULL(removed_at, '-'), missing_count"
                            " FROM scopes WHERE device_id = ? AND module_code = ? ORDER BY scope_id");
    query.bind(1, device_id);
    query.bind(2, target_module);
    std::vector<std::string> rows;
    while (query.executeStep()) {
      std::string row;
      for (int i = 0; i < query.getColumnCount(); ++i) row += query.getColumn(i).getString() + "|";
      rows.push_back(row);
    }
    return rows;
  }

  int count(const std::string& sql) {
    SQLite::Database db((dir_ / "audit.db").string());
    return db.execAndGet(sql).getInt();
  }
  std::string text(const std::string& sql) {
    SQLite::Database db((dir_ / "audit.db").string());
    return db.execAndGet(sql).getString();
  }

  ScratchDir dir_;
  std::unique_ptr<SimProcess> sim_;
  std::vector<std::string> devices_;
  std::vector<std::vector<std::string>> scopes_;  // per device: folder[0], album[0], album[1]
};

TEST_P(BadAnswerForOnePair, IsAPartialPollThatNamesTheRequestAndLosesNothing) {
  const BadAnswer bad = GetParam();
  ASSERT_EQ(poll().exit_code, 0);  // the baseline
  const std::string target = devices_[1];
  const std::vector<std::string> before = pair_snapshot(target);
  ASSERT_EQ(before.size(), 2u);
  const std::string success_before = text(
      "SELECT last_success_at FROM fetch_status WHERE device_id = '" + target + "' AND module_code = 101");

  // Changes in the target pair (which must wait) and in another pair (which must not).
  sim_ok("DELETE", "/_sim/devices/" + target + "/scopes/" + scopes_[1][1]);
  sim_ok("PATCH", "/_sim/devices/" + target + "/scopes/" + scopes_[1][2], R"({"localPath":"/held/back"})");
  sim_ok("PATCH", "/_sim/devices/" + devices_[0] + "/scopes/" + scopes_[0][0], R"({"localPath":"/moved"})");
  sim_ok("POST", "/_sim/faults",
         std::string(R"({"kind":")") + bad.kind + R"(","endpoint":"scopes","device_id":")" + target +
             R"(","module_code":101})");

  const CommandResult partial = poll();
  EXPECT_EQ(partial.exit_code, 2) << partial.err;
  const std::string request =
      "GET /koodrive/ose/v1/backup/device/" + target + "/scope?moduleCode=101";

  // The poll row: partial, one failed request of 1 + 3 × 3, its error naming the request.
  EXPECT_EQ(text("SELECT outcome FROM polls ORDER BY poll_id DESC LIMIT 1"), "partial");
  EXPECT_EQ(count("SELECT failures FROM polls ORDER BY poll_id DESC LIMIT 1"), 1);
  EXPECT_EQ(count("SELECT requests FROM polls ORDER BY poll_id DESC LIMIT 1"), 10);
  EXPECT_THAT(text("SELECT error FROM polls ORDER BY poll_id DESC LIMIT 1"), HasSubstr(request));

  // fetch_status: that pair failed, with the request and what was wrong; the others succeeded.
  const std::string last_error = text("SELECT last_error FROM fetch_status WHERE device_id = '" +
                                      target + "' AND module_code = 101");
  EXPECT_THAT(last_error, StartsWith(request + ": " + bad.what)) << last_error;
  EXPECT_EQ(count("SELECT consecutive_failures FROM fetch_status WHERE device_id = '" + target +
                  "' AND module_code = 101"),
            1);
  EXPECT_EQ(text("SELECT last_success_at FROM fetch_status WHERE device_id = '" + target +
                 "' AND module_code = 101"),
            success_before);
  EXPECT_EQ(count("SELECT count(*) FROM fetch_status WHERE consecutive_failures = 0 AND last_error IS NULL"), 8);
  // The log says the same.
  EXPECT_THAT(partial.err, HasSubstr(request));

  // That pair: not a removal, not a change, no event; its rows exactly as before.
  EXPECT_EQ(pair_snapshot(target), before);
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE device_id = '" + target + "'"), 0);
  // The other pairs committed: the one change is there, in the database and in the JSONL file.
  EXPECT_EQ(count("SELECT count(*) FROM events"), 1);
  EXPECT_EQ(text("SELECT type || ' ' || scope_id FROM events"), "scope.changed " + scopes_[0][0]);
  EXPECT_THAT(read_bytes(dir_ / "events.jsonl"), HasSubstr("\"local_path\":\"/moved\""));
  EXPECT_THAT(read_bytes(dir_ / "events.jsonl"), Not(HasSubstr(target)));

  // Good answers again: the held-back removal and change arrive, nothing was lost.
  sim_ok("DELETE", "/_sim/faults");
  const CommandResult recovered = poll();
  EXPECT_EQ(recovered.exit_code, 0) << recovered.err;
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE device_id = '" + target +
                  "' AND module_code = 101 AND type = 'scope.removed' AND scope_id = '" + scopes_[1][1] + "'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE device_id = '" + target +
                  "' AND type = 'scope.changed' AND scope_id = '" + scopes_[1][2] +
                  "' AND json_extract(after_json, '$.local_path') = '/held/back'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM fetch_status WHERE consecutive_failures = 0 AND last_error IS NULL"), 9);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, BadAnswerForOnePair,
    ::testing::Values(
        // Half the body, then "<!-- not JSON -->": where the parser stopped.
        BadAnswer{"malformed", "malformed response (HTTP 200): not valid JSON at byte "},
        // Content-Length of the whole body, half of it sent, the connection closed.
        BadAnswer{"truncated", "connection failed: read: partial message"},
        // scopeId as a JSON number: the field path and the type.
        BadAnswer{"wrong_type",
                  "malformed response (HTTP 200): scopeList[0].scopeId: expected a string of decimal digits, got number"}),
    [](const ::testing::TestParamInfo<BadAnswer>& param) { return std::string(param.param.kind); });

}  // namespace
}  // namespace kda::test
