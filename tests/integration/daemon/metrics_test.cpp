// GET /metrics and /healthz of a running daemon against koodrive-sim, over 127.0.0.1 on the
// port the daemon picked (metrics.listen port 0, read from its `metrics.listening` line):
// exact counts after known polls, a change seen through the simulator's control API, the
// output accepted by `promtool check metrics`, 503 while the API fails and 200 once it
// recovers, a listen failure at start, and a reload that moves the listener.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "daemon_fixture.hpp"
#include "support/http_exchange.hpp"
#include "support/wait.hpp"

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr auto deadline = 15s;
constexpr const char* account = "1505084218764547200";

// The address of the daemon's `n`-th metrics.listening line (1-based).
HttpPeer metrics_peer(const DaemonProcess& daemon, std::size_t n = 1) {
  EXPECT_TRUE(daemon.wait_for("metrics.listening address=", deadline, n)) << daemon.log();
  static const std::regex line(R"(metrics\.listening address=127\.0\.0\.1:(\d+))");
  const std::string log = daemon.log();
  std::vector<std::uint16_t> ports;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    ports.push_back(static_cast<std::uint16_t>(std::stoi((*it)[1])));
  }
  if (ports.size() < n) throw std::runtime_error("no metrics.listening line " + std::to_string(n));
  return {"127.0.0.1", ports[n - 1], "", ""};
}

// The value of the sample `series` (name and labels exactly as rendered), nullopt if absent.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

double value(const std::string& text, const std::string& series) {
  const auto found = sample(text, series);
  if (!found) ADD_FAILURE() << "no sample " << series << " in\n" << text;
  return found.value_or(-1);
}

std::string scrape(const HttpPeer& peer) {
  const HttpReply reply = http_exchange(peer, "GET", "/metrics");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  return reply.body;
}

std::optional<std::string> find_promtool() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / "promtool";
    if (!dir.empty() && fs::exists(candidate)) return candidate.string();
  }
  return std::nullopt;
}

class MetricsTest : public DaemonTest {
 protected:
  // `promtool check metrics` on `text`: its exit code and what it said.
  std::pair<int, std::string> promtool_check(const std::string& promtool, const std::string& text) {
    std::ofstream(dir_ / "scrape.txt") << text;
    const std::string command = promtool + " check metrics < " + (dir_ / "scrape.txt").string() +
                                " > " + (dir_ / "promtool.out").string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(dir_ / "promtool.out");
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            std::string(std::istreambuf_iterator<char>(in), {})};
  }
};

TEST_F(MetricsTest, CountsRequestsPollsEventsAndDeliveriesAndPassesPromtool) {
  write_config();
  const double started = static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch()).count());
  auto daemon = start();
  const HttpPeer peer = metrics_peer(*daemon);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();

  std::string text = scrape(peer);
  const std::string acc = std::string("account=\"") + account + "\"";
  // One device list, then 2 devices × 3 modules: 1 + 3 × devices requests.
  EXPECT_EQ(value(text, R"(koodrive_audit_api_requests_total{endpoint="device_list",status="200"})"), 1);
  EXPECT_EQ(value(text, R"(koodrive_audit_api_requests_total{endpoint="scope_list",status="200"})"), 6);
  EXPECT_EQ(value(text, R"(koodrive_audit_api_request_duration_seconds_count{endpoint="scope_list"})"), 6);
  EXPECT_EQ(value(text, "koodrive_audit_polls_total{" + acc + ",outcome=\"ok\"}"), 1);
  EXPECT_EQ(value(text, "koodrive_audit_polls_total{" + acc + ",outcome=\"failed\"}"), 0);
  EXPECT_EQ(value(text, "koodrive_audit_poll_duration_seconds_count{" + acc + "}"), 1);
  const double last = value(text, "koodrive_audit_last_successful_poll_timestamp_seconds{" + acc + "}");
  EXPECT_GE(last, started - 1);
  EXPECT_LE(last, started + 15);
  for (const char* module : {"100", "101", "102"}) {
    EXPECT_EQ(value(text, "koodrive_audit_failing_pairs{" + acc + ",module=\"" + module + "\"}"), 0);
  }
  EXPECT_EQ(value(text, R"(koodrive_audit_sink_backlog_events{sink="jsonl"})"), 0);
  EXPECT_EQ(value(text, "koodrive_audit_healthy"), 1);
  EXPECT_THAT(text, ::testing::Not(HasSubstr(laptop))) << "no device id in a label";

  // A change made through the simulator: one scope.added, delivered to both sinks.
  sim_ok("POST", std::string("/_sim/devices/") + laptop + "/scopes",
         R"({"moduleCode":"102","localPath":"/contacts","targetFolderPath":"/backup/contacts"})");
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, 2)) << daemon->log();
  ASSERT_TRUE(wait_until(
      [&] {
        text = scrape(peer);
        return sample(text, R"(koodrive_audit_sink_deliveries_total{sink="jsonl",result="ok"})") == 1.0;
      },
      deadline))
      << text;
  EXPECT_EQ(value(text, R"(koodrive_audit_events_total{type="scope.added"})"), 1);
  EXPECT_EQ(value(text, R"(koodrive_audit_sink_deliveries_total{sink="jsonl",result="failed"})"), 0);
  EXPECT_EQ(value(text, R"(koodrive_audit_api_requests_total{endpoint="device_list",status="200"})"), 2);
  EXPECT_EQ(value(text, "koodrive_audit_polls_total{" + acc + ",outcome=\"ok\"}"), 2);
  EXPECT_EQ(value(text, R"(koodrive_audit_sink_backlog_events{sink="jsonl"})"), 0);

  const HttpReply health = http_exchange(peer, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(http_exchange(peer, "GET", "/").status, 404);
  EXPECT_EQ(http_exchange(peer, "POST", "/metrics").status, 405);

  const auto promtool = find_promtool();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0) << daemon->log();
  if (!promtool) GTEST_SKIP() << "promtool not installed (scripts/setup installs prometheus)";
  const auto [code, said] = promtool_check(*promtool, text);
  EXPECT_EQ(code, 0) << said << "\n" << text;
}

TEST_F(MetricsTest, HealthzIs503WhileThePollsFailAnd200AfterTheyRecover) {
  write_config(DaemonConfig{}.every("1s"));
  sim_ok("POST", "/_sim/faults", R"({"kind":"status","status":500,"endpoint":"devices"})");
  auto daemon = start();
  const HttpPeer peer = metrics_peer(*daemon);

  HttpReply health;
  ASSERT_TRUE(wait_until(
      [&] {
        health = http_exchange(peer, "GET", "/healthz");
        return health.status == 503;
      },
      deadline))
      << health.status << " " << health.body << daemon->log();
  EXPECT_THAT(health.body, StartsWith("unhealthy\n"));
  EXPECT_THAT(health.body, HasSubstr(std::string("account ") + account +
                                     ": no successful poll since the start"));
  EXPECT_THAT(health.body, HasSubstr("limit 2 x poll.interval = 2s"));
  EXPECT_THAT(health.body, HasSubstr("last poll failed: device list: GET"));
  const std::string text = scrape(peer);
  EXPECT_EQ(value(text, "koodrive_audit_healthy"), 0);
  EXPECT_GE(value(text, R"(koodrive_audit_api_requests_total{endpoint="device_list",status="500"})"), 1);
  EXPECT_GE(value(text, std::string("koodrive_audit_polls_total{account=\"") + account +
                            "\",outcome=\"failed\"}"),
            1);
  EXPECT_FALSE(sample(text, std::string("koodrive_audit_last_successful_poll_timestamp_seconds{account=\"") +
                                account + "\"}"));

  sim_ok("DELETE", "/_sim/faults");
  ASSERT_TRUE(wait_until(
      [&] {
        health = http_exchange(peer, "GET", "/healthz");
        return health.status == 200;
      },
      deadline))
      << health.body;
  EXPECT_EQ(health.body, "ok\n");
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

TEST_F(MetricsTest, AFailingPairIsCountedForItsAccountAndModule) {
  write_config();
  sim_ok("POST", "/_sim/faults",
         std::string(R"({"kind":"status","status":500,"endpoint":"scopes","device_id":")") + phone +
             R"(","module_code":101})");
  auto daemon = start();
  const HttpPeer peer = metrics_peer(*daemon);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  const std::string text = scrape(peer);
  const std::string acc = std::string("account=\"") + account + "\"";
  EXPECT_EQ(value(text, "koodrive_audit_polls_total{" + acc + ",outcome=\"partial\"}"), 1);
  EXPECT_EQ(value(text, "koodrive_audit_failing_pairs{" + acc + ",module=\"101\"}"), 1);
  EXPECT_EQ(value(text, "koodrive_audit_failing_pairs{" + acc + ",module=\"100\"}"), 0);
  EXPECT_EQ(value(text, R"(koodrive_audit_api_requests_total{endpoint="scope_list",status="500"})"), 1);
  // A partial poll read the device list: it is a success for /healthz.
  EXPECT_EQ(http_exchange(peer, "GET", "/healthz").status, 200);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

// A server whose clock is 30 s behind this host's: KooDrive refuses an X-Date later than its
// own time, so every request fails as "authentication failed"; the daemon says why, once, and
// exports the skew it measured from the answers' Date.
TEST_F(MetricsTest, AClockAheadOfTheServersIsLoggedOnceAndExportedAsTheSkew) {
  restart_sim({"--clock-offset=-30s"});
  write_config(DaemonConfig{}.every("1s"));
  auto daemon = start();
  const HttpPeer peer = metrics_peer(*daemon);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, 2)) << daemon->log();
  ASSERT_TRUE(daemon->wait_for("poll.cycle", deadline, 2)) << daemon->log();
  const std::string log = daemon->log();
  EXPECT_THAT(log, HasSubstr("outcome=failed"));
  static const std::regex warning(R"(api\.clock_skew skew_s=-3[01] verdict=ahead detail="this )"
                                  R"(host's clock is 3[01] s ahead of the KooDrive server's Date)");
  EXPECT_TRUE(std::regex_search(log, warning)) << log;
  EXPECT_EQ(log.find("api.clock_skew"), log.rfind("api.clock_skew")) << "logged more than once";
  const double skew = value(scrape(peer), "koodrive_audit_api_clock_skew_seconds");
  EXPECT_TRUE(skew == -30 || skew == -31) << skew;
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

// Another process (a `poll --once` by hand) commits a poll of the account while the daemon's
// poll waits for an answer: the daemon's commit is refused, which is a failed poll but not an
// unwritable database, and its next poll goes through.
TEST_F(MetricsTest, APollAnotherProcessCommittedFirstFailsButTheDatabaseStaysHealthy) {
  // 3 s for the poll by hand to commit first, even under a sanitizer on a busy machine.
  write_config(DaemonConfig{}.request_timeout("10s"));
  sim_ok("POST", "/_sim/faults",
         std::string(R"({"kind":"latency","ms":3000,"count":1,"endpoint":"scopes",)") +
             R"("device_id":")" + phone + R"(","module_code":101})");
  auto daemon = start();
  const HttpPeer peer = metrics_peer(*daemon);
  // The rule is used up once the late request has arrived: the daemon has read its head.
  ASSERT_TRUE(wait_until(
      [&] { return sim_->control("GET", "/_sim/faults").body.find("\"id\"") == std::string::npos; },
      deadline));
  DaemonProcess by_hand({"poll", "--once", "--config", (dir_ / "config.yaml").string()},
                        dir_ / "by-hand.log");
  ASSERT_EQ(by_hand.wait_exit(deadline), 0) << by_hand.log();

  // A refused commit logs poll.conflict instead of poll.finished, then the cycle's summary.
  ASSERT_TRUE(daemon->wait_for("poll.cycle", deadline)) << daemon->log();
  const std::string log = daemon->log();
  EXPECT_THAT(log, HasSubstr("poll.conflict account=" + std::string(account) + " error=\"account " +
                             account + " was polled by another process during this poll"));
  EXPECT_THAT(log, HasSubstr("summary=\"failed: 1 account"));
  EXPECT_THAT(log, Not(HasSubstr("poll.finished")));
  EXPECT_THAT(log, Not(HasSubstr("database:")));
  const HttpReply health = http_exchange(peer, "GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  const std::string acc = std::string("account=\"") + account + "\"";
  EXPECT_EQ(value(scrape(peer), "koodrive_audit_polls_total{" + acc + ",outcome=\"failed\"}"), 1);

  daemon->signal(SIGUSR1);  // poll now
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  EXPECT_THAT(daemon->log(), HasSubstr("outcome=ok"));
  EXPECT_EQ(value(scrape(peer), "koodrive_audit_polls_total{" + acc + ",outcome=\"ok\"}"), 1);
  EXPECT_EQ(count_rows("SELECT count(*) FROM polls"), 2);  // by hand, then the daemon's second
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

TEST_F(MetricsTest, AnAddressInUseFailsTheStartNamingIt) {
  write_config();
  auto first = start();
  const HttpPeer taken = metrics_peer(*first);
  write_config(DaemonConfig{}.metrics_section("{listen: \"127.0.0.1:" + std::to_string(taken.port) + "\"}"));
  DaemonProcess second({"daemon", "--config", (dir_ / "config.yaml").string()}, dir_ / "second.log");
  const auto code = second.wait_exit(deadline);
  ASSERT_TRUE(code.has_value()) << second.log();
  EXPECT_EQ(*code, 78) << "a config problem: systemd does not restart it";
  EXPECT_THAT(second.log(), HasSubstr("daemon.failed error=\"metrics.listen 127.0.0.1:" +
                                      std::to_string(taken.port) + ": bind: "));
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait_exit(deadline), 0);
}

TEST_F(MetricsTest, DisabledServesNothing) {
  write_config(DaemonConfig{}.metrics_section("{enabled: false}"));
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  EXPECT_THAT(daemon->log(), ::testing::Not(HasSubstr("metrics.listening")));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

TEST_F(MetricsTest, ReloadMovesTheListenerAndKeepsTheCounts) {
  write_config();
  auto daemon = start();
  const HttpPeer before = metrics_peer(*daemon);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  // 127.0.0.1:0 again would be no change; "localhost:0" is one, and resolves to a loopback
  // address (127.0.0.1 or ::1, whichever the resolver gives first).
  write_config(DaemonConfig{}.metrics_section(R"({listen: "localhost:0"})"));
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for("reload.applied", deadline)) << daemon->log();
  ASSERT_TRUE(daemon->wait_for("metrics.listening address=", deadline, 2)) << daemon->log();
  EXPECT_THROW(http_exchange(before, "GET", "/metrics", {}, {}, 2s), std::runtime_error)
      << "the old listener is closed";
  static const std::regex line(R"(metrics\.listening address=(\S+):(\d+)\n[\s\S]*metrics\.listening address=(\S+):(\d+))");
  std::smatch match;
  const std::string log = daemon->log();
  ASSERT_TRUE(std::regex_search(log, match, line)) << log;
  std::string host = match[3];
  if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
  const HttpPeer after{host, static_cast<std::uint16_t>(std::stoi(match[4])), "", ""};
  const std::string text = scrape(after);
  EXPECT_EQ(value(text, std::string("koodrive_audit_polls_total{account=\"") + account +
                            "\",outcome=\"ok\"}"),
            1);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

}  // namespace
}  // namespace kda::test
