// End to end: koodrive-sim → `koodrive-audit daemon` → a real Alertmanager. A change made in
// the simulator is read back from Alertmanager's /api/v2/alerts with the expected labels, also
// when Alertmanager only comes up after the event (the daemon's sink worker retries).
#include "alertmanager_process.hpp"
#include "daemon_process.hpp"
#include "koodrive_audit/clock.hpp"
#include "support/sim_process.hpp"
#include "support/wait.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <optional>
#include <random>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* token = "alertmanager-test-token-0123456789";
constexpr const char* account = "1505084218764547200";
constexpr const char* laptop = "1775406005920779393";
constexpr const char* phone = "1842812272691451648";
constexpr const char* phone_album = "1842846715527366529";  // phone, album (101), /DCIM
// The laptop with one folder scope, the phone ("P60 Art") with one album scope: the IDs above.
constexpr const char* state = R"({"users":[{"user_id":"1505084218764547200","devices":[
  {"deviceId":"1775406005920779393","machineCode":"m1","deviceName":"Laptop","deviceOS":"windows",
   "scopes":{"100":[{"scopeId":"1842846715527366528","localPath":"/Documents",
                     "targetFolderPath":"/backup/Documents"}]}},
  {"deviceId":"1842812272691451648","machineCode":"m2","deviceName":"P60 Art","deviceOS":"android",
   "scopes":{"101":[{"scopeId":"1842846715527366529","localPath":"/DCIM",
                     "targetFolderPath":"/backup/DCIM"}]}}]}]})";
constexpr auto deadline = 15s;
// The sink worker backs off 1 s, 2 s, 4 s… (full jitter) while Alertmanager is down.
constexpr auto alert_deadline = 30s;

class DaemonAlertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kda-am-daemon-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    alertmanager_ = std::make_unique<AlertmanagerProcess>(dir_ / "am");
    std::ofstream(dir_ / "token") << token;
    fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(dir_ / "state.json") << state;
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "--listen", "127.0.0.1:0", "--state", (dir_ / "state.json").string(), "--token", token});
  }

  void TearDown() override {
    if (HasFailure()) {
      if (alertmanager_) std::cerr << "Alertmanager log:\n" << alertmanager_->log();
      if (daemon_) std::cerr << "daemon log:\n" << daemon_->log();
    }
    daemon_.reset();
    alertmanager_.reset();
    sim_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // A log sink (to see the events) and the alertmanager sink under test, removals only.
  void start_daemon() {
    std::ofstream out(dir_ / "config.yaml");
    out << "api:\n  base_url: " << sim_->base_url()
        << "\n  timeout: 2s\n  retry: {attempts: 1}\n"
           "auth: {mode: token, token_file: token}\n"
           "accounts: [{user_id: \""
        << account
        << "\", name: test}]\n"
           "database: {path: audit.db}\n"
           "poll: {interval: 1h, jitter: 0%, run_on_start: true}\n"
           "metrics: {listen: \"127.0.0.1:0\"}\n"
           "events:\n  sinks:\n    - {type: log}\n"
           "    - {type: alertmanager, name: pager, url: \""
        << alertmanager_->url() << "\", types: [scope.removed, device.removed], timeout: 2s}\n";
    out.close();
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{"daemon", "--config", (dir_ / "config.yaml").string()},
        dir_ / "daemon.log");
    ASSERT_TRUE(daemon_->wait_for("poll.finished", deadline)) << daemon_->log();
  }

  void sim_ok(std::string_view method, const std::string& target, std::string_view body = {}) {
    const HttpReply reply = sim_->control(method, target, body);
    ASSERT_EQ(reply.status, 200) << method << " " << target << ": " << reply.body;
  }

  // Polls now and waits for that poll to finish.
  void poll_now() {
    const std::size_t polls = daemon_->count("poll.finished");
    daemon_->signal(SIGUSR1);
    ASSERT_TRUE(daemon_->wait_for("poll.finished", deadline, polls + 1)) << daemon_->log();
  }

  // The alert whose labels include all of `labels`, if Alertmanager holds one.
  std::optional<json::object> find_alert(const json::object& labels) const {
    for (const json::value& alert : alertmanager_->alerts()) {
      const json::object& have = alert.at("labels").as_object();
      bool all = true;
      for (const auto& label : labels) {
        const json::value* value = have.if_contains(label.key());
        all = all && value != nullptr && *value == label.value();
      }
      if (all) return alert.as_object();
    }
    return std::nullopt;
  }

  std::optional<json::object> wait_alert(const json::object& labels,
                                         std::chrono::milliseconds within) const {
    std::optional<json::object> found;
    wait_until([&] { return (found = find_alert(labels)).has_value(); }, within, 100ms);
    return found;
  }

  fs::path dir_;
  std::unique_ptr<AlertmanagerProcess> alertmanager_;
  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DaemonAlertTest, ScopeRemovedInTheSimulatorIsReadBackFromAlertmanager) {
  alertmanager_->start();
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  // scope.added is not among the sink's types: it must not reach Alertmanager.
  sim_ok("POST", std::string("/_sim/devices/") + laptop + "/scopes",
         R"({"moduleCode":"102","localPath":"/contacts","targetFolderPath":"/backup/contacts"})");
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  ASSERT_NO_FATAL_FAILURE(poll_now());

  const auto alert =
      wait_alert({{"type", "scope.removed"}, {"scope_id", phone_album}}, alert_deadline);
  ASSERT_TRUE(alert) << json::serialize(alertmanager_->alerts()) << "\n" << daemon_->log();
  RecordProperty("alert", json::serialize(*alert));
  EXPECT_EQ(json::value(alert->at("labels")),
            json::parse(R"({"alertname":"KooDriveBackupConfigChanged","severity":"critical",)"
                        R"("type":"scope.removed","account":"1505084218764547200",)"
                        R"("device":"1842812272691451648","module":"album",)"
                        R"("scope_id":"1842846715527366529"})"));
  EXPECT_EQ(alert->at("annotations").at("summary"),
            "Backup scope removed on P60 Art (album /DCIM)");
  EXPECT_THAT(std::string(alert->at("annotations").at("description").as_string()),
              HasSubstr("Before: /DCIM, backed up to /backup/DCIM"));
  const auto starts = parse_iso8601(alert->at("startsAt").as_string());
  const auto ends = parse_iso8601(alert->at("endsAt").as_string());
  ASSERT_TRUE(starts && ends);
  EXPECT_EQ(*ends - *starts, std::chrono::hours(1));  // alert_duration's default

  // Delivered in seq order: the earlier scope.added was skipped, not pending.
  EXPECT_FALSE(find_alert({{"type", "scope.added"}}));
  EXPECT_EQ(alertmanager_->alerts().size(), 1u);

  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(deadline), 0) << daemon_->log();
}

TEST_F(DaemonAlertTest, RemovedDeviceAlertsForTheDeviceAndEachOfItsScopes) {
  alertmanager_->start();
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  sim_ok("DELETE", std::string("/_sim/devices/") + phone);
  ASSERT_NO_FATAL_FAILURE(poll_now());

  const auto scope =
      wait_alert({{"type", "scope.removed"}, {"scope_id", phone_album}}, alert_deadline);
  ASSERT_TRUE(scope) << json::serialize(alertmanager_->alerts());
  EXPECT_THAT(std::string(scope->at("annotations").at("description").as_string()),
              HasSubstr("Cause: device.removed"));
  const auto device = find_alert({{"type", "device.removed"}, {"device", phone}});
  ASSERT_TRUE(device) << json::serialize(alertmanager_->alerts());
  EXPECT_EQ(device->at("labels").at("severity"), "critical");
  EXPECT_EQ(device->at("annotations").at("summary"), "Backup device removed: P60 Art");
}

TEST_F(DaemonAlertTest, AlertmanagerDownAtFirstThenUpTheAlertStillArrives) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());  // Alertmanager is not running yet
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  ASSERT_NO_FATAL_FAILURE(poll_now());
  ASSERT_TRUE(daemon_->wait_for("sink.failing sink=pager", deadline)) << daemon_->log();
  EXPECT_THAT(daemon_->log(), HasSubstr(alertmanager_->url() + "/api/v2/alerts"));

  alertmanager_->start(30s, /*may_move=*/false);  // on the port the daemon was configured with
  const auto alert =
      wait_alert({{"type", "scope.removed"}, {"scope_id", phone_album}}, alert_deadline);
  ASSERT_TRUE(alert) << json::serialize(alertmanager_->alerts()) << "\n" << daemon_->log();
  EXPECT_EQ(alert->at("labels").at("device"), phone);
  EXPECT_TRUE(daemon_->wait_for("sink.recovered sink=pager", deadline)) << daemon_->log();

  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(deadline), 0) << daemon_->log();
}

// High availability (README, "Scaling past one machine"): two daemons poll the same account,
// each with its own database, and both send to the same Alertmanager. Their alerts for one
// change carry identical labels, so Alertmanager keeps one alert, whichever daemon came first.
TEST_F(DaemonAlertTest, TwoDaemonsPollingTheSameAccountMakeOneAlertPerChange) {
  alertmanager_->start();
  std::vector<std::unique_ptr<DaemonProcess>> daemons;
  for (const std::string name : {"a", "b"}) {
    const fs::path config = dir_ / (name + ".yaml");
    std::ofstream(config) << "api:\n  base_url: " << sim_->base_url()
                          << "\n  timeout: 2s\n  retry: {attempts: 1}\n"
                             "auth: {mode: token, token_file: token}\n"
                             "accounts: [{user_id: \""
                          << account << "\", name: test}]\n"
                          << "database: {path: " << name << ".db}\n"
                          << "poll: {interval: 1h, jitter: 0%, run_on_start: true}\n"
                             "metrics: {listen: \"127.0.0.1:0\"}\n"
                             "log: {level: debug}\n"
                             "events:\n  sinks:\n"
                             "    - {type: alertmanager, name: pager, url: \""
                          << alertmanager_->url()
                          << "\", types: [scope.removed, device.removed], timeout: 2s}\n";
    daemons.push_back(std::make_unique<DaemonProcess>(
        std::vector<std::string>{"daemon", "--config", config.string()},
        dir_ / (name + ".log")));
    ASSERT_TRUE(daemons.back()->wait_for("poll.finished", deadline)) << daemons.back()->log();
  }

  sim_ok("DELETE", std::string("/_sim/devices/") + phone);  // device.removed + scope.removed
  for (auto& daemon : daemons) {
    const std::size_t polls = daemon->count("poll.finished");
    daemon->signal(SIGUSR1);
    ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, polls + 1)) << daemon->log();
  }
  // Both daemons delivered their two alerts (each is one batch per poll at most, so one line).
  for (auto& daemon : daemons) {
    ASSERT_TRUE(daemon->wait_for("sink.delivered sink=pager", alert_deadline)) << daemon->log();
  }

  const json::array alerts = alertmanager_->alerts();
  EXPECT_EQ(alerts.size(), 2u) << json::serialize(alerts);  // not 4
  ASSERT_TRUE(find_alert({{"type", "device.removed"}, {"device", phone}}))
      << json::serialize(alerts);
  ASSERT_TRUE(find_alert({{"type", "scope.removed"}, {"scope_id", phone_album}}))
      << json::serialize(alerts);
  for (auto& daemon : daemons) {
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(deadline), 0) << daemon->log();
  }
}

}  // namespace
}  // namespace kda::test
