// `koodrive-audit daemon` as a process against koodrive-sim: the schedule, the signals
// (SIGUSR1 poll now, SIGHUP reload, SIGTERM stop), the sinks while it runs, and journald
// priorities. Every wait is a condition with a deadline.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <csignal>
#include <fstream>

#include "daemon_fixture.hpp"
#include "koodrive_audit/clock.hpp"
#include "support/wait.hpp"

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto deadline = 15s;

TEST_F(DaemonTest, PollsOnScheduleAndDeliversEachChangeOnce) {
  write_config(DaemonConfig{}.every("1s"));
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  EXPECT_THAT(daemon->log(), HasSubstr("poll.baseline"));
  EXPECT_EQ(count_rows("SELECT count(*) FROM events"), 0) << "the baseline is silent";

  sim_ok("POST", std::string("/_sim/devices/") + laptop + "/scopes",
         R"({"moduleCode":"102","localPath":"/contacts","targetFolderPath":"/backup/contacts"})");
  ASSERT_TRUE(daemon->wait_for("scope.added", deadline)) << daemon->log();
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  ASSERT_TRUE(daemon->wait_for("scope.removed", deadline)) << daemon->log();
  // A few more polls with nothing new record nothing new.
  const std::size_t polls = daemon->count("poll.finished");
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, polls + 2)) << daemon->log();

  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0) << daemon->log();
  EXPECT_THAT(daemon->log(), HasSubstr("daemon.stopped"));
  EXPECT_THAT(event_types(), ElementsAre("scope.added", "scope.removed"));
  EXPECT_EQ(jsonl_event_ids(), event_ids());
}

TEST_F(DaemonTest, Sigusr1PollsNowWithoutWaitingForTheInterval) {
  write_config();
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, 2)) << daemon->log();
  EXPECT_THAT(daemon->log(), HasSubstr("poll.requested trigger=SIGUSR1"));
  EXPECT_THAT(event_types(), ElementsAre("scope.removed"));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

TEST_F(DaemonTest, WithoutRunOnStartTheFirstPollWaitsOneInterval) {
  write_config(DaemonConfig{}.every("2s").not_on_start());
  const std::string earliest = format_iso8601(std::chrono::system_clock::now() + 2s);
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0);
  EXPECT_THAT(daemon->log(), HasSubstr("run_on_start=false"));
  SQLite::Database db((dir_ / "audit.db").string());
  EXPECT_GE(db.execAndGet("SELECT min(started_at) FROM polls").getString(), earliest);
}

TEST_F(DaemonTest, SigtermDuringASlowPollExitsZeroAndCommitsNothingOfIt) {
  write_config(DaemonConfig{}.request_timeout("60s"));
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  ASSERT_EQ(count_rows("SELECT count(*) FROM polls"), 1);

  // The laptop's scope goes away (a poll would record it), but the phone's album never answers:
  // the poll is half done when SIGTERM comes.
  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  sim_ok("POST", "/_sim/faults",
         std::string(R"({"kind":"hang","endpoint":"scopes","device_id":")") + phone +
             R"(","module_code":101})");
  sim_ok("POST", "/_sim/counters/reset");
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(wait_until(
      [&] {
        const boost::json::value counters = sim_->counters();
        const auto& scopes = counters.at("by_endpoint").at("scopes").as_object();
        return counters.at("in_flight").as_int64() >= 1 && scopes.contains("200") &&
               scopes.at("200").as_int64() >= 5;
      },
      deadline))
      << "the poll never got half way: " << boost::json::serialize(sim_->counters());

  const auto signalled = std::chrono::steady_clock::now();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0) << daemon->log();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 5s);
  EXPECT_THAT(daemon->log(), HasSubstr("poll.abandoned"));
  EXPECT_EQ(count_rows("SELECT count(*) FROM polls"), 1) << "no poll row for the abandoned poll";
  EXPECT_EQ(count_rows("SELECT count(*) FROM events"), 0);
  EXPECT_EQ(count_rows(std::string("SELECT count(*) FROM scopes WHERE removed_at IS NULL AND "
                                   "missing_count = 0 AND scope_id = '") +
                       laptop_docs + "'"),
            1);
}

TEST_F(DaemonTest, AnOverrunningPollDelaysTheNextOneAndSaysSo) {
  write_config(DaemonConfig{}.every("1s"));
  sim_ok("POST", "/_sim/faults", R"({"kind":"latency","ms":1500,"endpoint":"devices"})");
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, 3)) << daemon->log();
  EXPECT_THAT(daemon->log(), HasSubstr("poll.late"));
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0);

  // Never overlapping: each poll starts after the previous one finished.
  SQLite::Database db((dir_ / "audit.db").string());
  SQLite::Statement polls(db, "SELECT started_at, finished_at FROM polls ORDER BY poll_id");
  std::string previous_finish;
  int rows = 0;
  while (polls.executeStep()) {
    const std::string started = polls.getColumn(0).getString();
    EXPECT_GE(started, previous_finish) << "poll " << rows << " overlapped the previous one";
    previous_finish = polls.getColumn(1).getString();
    ++rows;
  }
  EXPECT_GE(rows, 3);
}

TEST_F(DaemonTest, SighupRejectsABrokenConfigAndKeepsRunning) {
  write_config();
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();

  std::ofstream(dir_ / "config.yaml", std::ios::app) << "pol: {interval: soon}\n";
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for("reload.rejected problems=", deadline)) << daemon->log();
  EXPECT_THAT(daemon->log(), HasSubstr("config.yaml:14:1: pol: unknown key"));

  // Still running with the previous config.
  sim_ok("DELETE", std::string("/_sim/devices/") + phone);
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, 2)) << daemon->log();
  EXPECT_THAT(event_types(), ElementsAre("device.removed", "scope.removed"));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

TEST_F(DaemonTest, SighupAppliesANewConfigAndReopensTheJsonlFile) {
  write_config();
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(wait_until([&] { return jsonl_event_ids().size() == 1; }, deadline)) << daemon->log();

  // logrotate moves the file away; a new sink joins with the whole history as its backlog.
  fs::rename(dir_ / "events.jsonl", dir_ / "events.jsonl.1");
  write_config(DaemonConfig{}.sink("{type: jsonl, name: archive, path: archive.jsonl}"));
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for("reload.applied", deadline)) << daemon->log();
  ASSERT_TRUE(wait_until([&] { return jsonl_event_ids("archive.jsonl").size() == 1; }, deadline))
      << daemon->log();

  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(wait_until([&] { return jsonl_event_ids("archive.jsonl").size() == 2; }, deadline))
      << daemon->log();
  ASSERT_TRUE(wait_until([&] { return jsonl_event_ids().size() == 1; }, deadline))
      << "the reopened events.jsonl gets the new event";
  const std::vector<std::string> ids = event_ids();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_THAT(jsonl_event_ids("events.jsonl.1"), ElementsAre(ids[0]));
  EXPECT_THAT(jsonl_event_ids(), ElementsAre(ids[1]));
  EXPECT_EQ(jsonl_event_ids("archive.jsonl"), ids);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(deadline), 0);
}

TEST_F(DaemonTest, ARestartReemitsNothing) {
  write_config();
  {
    auto daemon = start();
    ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
    sim_ok("DELETE", std::string("/_sim/devices/") + phone);
    daemon->signal(SIGUSR1);
    ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, 2)) << daemon->log();
    ASSERT_TRUE(wait_until([&] { return jsonl_event_ids().size() == 2; }, deadline));
    daemon->signal(SIGTERM);
    ASSERT_EQ(daemon->wait_exit(deadline), 0);
  }
  auto restarted = start();
  ASSERT_TRUE(restarted->wait_for("daemon.ready", deadline, 2)) << restarted->log();
  ASSERT_TRUE(restarted->wait_for("poll.finished", deadline, 3)) << restarted->log();
  restarted->signal(SIGTERM);
  ASSERT_EQ(restarted->wait_exit(deadline), 0);
  EXPECT_EQ(event_ids().size(), 2u);
  EXPECT_EQ(jsonl_event_ids(), event_ids());
}

TEST_F(DaemonTest, ABrokenConfigExitsWithExConfig) {
  std::ofstream(dir_ / "config.yaml") << "api: {base_url: ftp://nowhere}\n";
  auto daemon = start();
  EXPECT_EQ(daemon->wait_exit(deadline), 78) << daemon->log();
  EXPECT_THAT(daemon->log(), HasSubstr("accounts"));
}

TEST_F(DaemonTest, UnderJournaldEachLineCarriesItsSyslogPriority) {
  write_config(
      DaemonConfig{}.sink("{type: webhook, url: \"http://127.0.0.1:9/hook\", secret_file: token}"));
  // The daemon's stderr is the log file: JOURNAL_STREAM names it as journald would.
  std::ofstream(dir_ / "daemon.log").flush();
  struct stat status {};
  ASSERT_EQ(::stat((dir_ / "daemon.log").c_str(), &status), 0);
  auto daemon = start(
      {{"JOURNAL_STREAM", std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino)}});
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  // An event for the webhook, which nothing answers on port 9: a warning.
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(daemon->wait_for("sink.failing", deadline)) << daemon->log();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0);
  const std::string log = daemon->log();
  EXPECT_THAT(log, HasSubstr("<6>daemon.ready"));
  EXPECT_THAT(log, HasSubstr("<6>scope.removed"));
  EXPECT_THAT(log, HasSubstr("<4>sink.failing sink=webhook"));
  EXPECT_THAT(log, Not(HasSubstr("info daemon.ready")));
}

TEST_F(DaemonTest, OutsideJournaldLinesArePlain) {
  write_config();
  auto daemon = start({{"JOURNAL_STREAM", "1:2"}});  // someone else's stream
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0);
  EXPECT_THAT(daemon->log(), HasSubstr("info daemon.ready"));
}

}  // namespace
}  // namespace kda::test
