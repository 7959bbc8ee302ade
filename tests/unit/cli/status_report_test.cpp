// cli/status_report.hpp: when an account needs attention (and the exit code), durations and
// ages, and the text and JSON forms of one report.
#include "cli/status_report.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kda::cli {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

const SystemTime now = *parse_iso8601("2026-11-23T07:12:00.000Z");

PollRow poll(std::int64_t id, std::string started, std::string finished, std::string outcome,
             std::string error = {}) {
  const std::int64_t failures = outcome == "ok" ? 0 : 1;
  return PollRow{id,
                 "1505084218764547200",
                 std::move(started),
                 std::move(finished),
                 std::move(outcome),
                 7,
                 failures,
                 0,
                 std::move(error)};
}

AccountStatus healthy() {
  return AccountStatus{"1505084218764547200",
                       "finance",
                       {poll(2, "2026-11-23T07:10:00.000Z", "2026-11-23T07:10:00.842Z", "ok"),
                        poll(1, "2026-11-23T07:05:00.000Z", "2026-11-23T07:05:01.250Z", "ok")},
                       {}};
}

TEST(Attention, AFreshOkPollNeedsNone) { EXPECT_TRUE(attention(healthy(), now, 5min).empty()); }

TEST(Attention, NeverPolledPartialFailedOrOverdue) {
  AccountStatus never{"42", "", {}, {}};
  EXPECT_THAT(attention(never, now, 5min), ElementsAre("never polled"));

  AccountStatus partial = healthy();
  partial.polls.front().outcome = "partial";
  EXPECT_THAT(attention(partial, now, 5min), ElementsAre("last poll partial"));
  partial.polls.front().outcome = "failed";
  EXPECT_THAT(attention(partial, now, 5min), ElementsAre("last poll failed"));

  // 2 × interval is still fine; beyond it, the daemon is not polling.
  EXPECT_TRUE(attention(healthy(), *parse_iso8601("2026-11-23T07:20:00.842Z"), 5min).empty());
  EXPECT_THAT(attention(healthy(), *parse_iso8601("2026-11-23T09:10:00.842Z"), 5min),
              ElementsAre("no poll for 2h (poll.interval 5m)"));
  partial.polls.front().finished_at = "2026-11-20T00:00:00.000Z";
  EXPECT_THAT(attention(partial, now, 5min),
              ElementsAre("last poll failed", "no poll for 3d07h (poll.interval 5m)"));
}

TEST(Attention, TheExitCodeIsTwoWhenAnyAccountNeedsIt) {
  StatusReport report;
  report.now = now;
  report.poll_interval = 5min;
  report.accounts = {healthy()};
  EXPECT_EQ(status_exit_code(report), 0);
  report.accounts.push_back(AccountStatus{"42", "", {}, {}});
  EXPECT_EQ(status_exit_code(report), status_exit_attention);
  EXPECT_EQ(status_exit_attention, 2);
}

TEST(Durations, ShortAndReadable) {
  EXPECT_EQ(format_duration(842ms), "842ms");
  EXPECT_EQ(format_duration(1250ms), "1.2s");
  EXPECT_EQ(format_duration(59'999ms), "59.9s");
  EXPECT_EQ(format_duration(123'000ms), "2m03s");
  EXPECT_EQ(format_duration(-5ms), "0ms");
  EXPECT_EQ(format_age(12'400ms), "12s");
  EXPECT_EQ(format_age(252s), "4m12s");
  EXPECT_EQ(format_age(5min), "5m");
  EXPECT_EQ(format_age(3h + 5min), "3h05m");
  EXPECT_EQ(format_age(50h), "2d02h");
  EXPECT_EQ(format_age(-3s), "0s");
  EXPECT_EQ(poll_duration(healthy().polls.front()), 842ms);
  EXPECT_EQ(poll_duration(poll(1, "garbage", "2026-11-23T07:10:00.842Z", "ok")), std::nullopt);
}

StatusReport sample() {
  StatusReport report;
  report.now = now;
  report.poll_interval = 5min;
  AccountStatus partial{
      "1505084218764547200",
      "finance",
      {poll(
           3, "2026-11-23T07:10:00.000Z", "2026-11-23T07:10:00.842Z", "partial",
           "GET /koodrive/ose/v1/backup/device/1775406005920779393/scope?moduleCode=100: HTTP 503"),
       poll(2, "2026-11-23T07:05:00.000Z", "2026-11-23T07:05:01.250Z", "ok")},
      {}};
  partial.failing.push_back(FailingPair{"1775406005920779393", "Laptop", module_folder, 1,
                                        "2026-11-23T07:10:00.842Z", "2026-11-23T07:05:01.250Z",
                                        "HTTP 503", "2026-11-23T07:10:00.842Z"});
  report.accounts = {partial, AccountStatus{"42", "", {}, {}}};
  report.sinks = {SinkStatus{"log", "log", 12, 0, {}}, SinkStatus{"webhook", "webhook", 0, 12, {}}};
  report.last_seq = 12;
  report.unconfigured = {AccountRow{"77", "old-team", "2026-01-01T00:00:00.000Z"}};
  return report;
}

TEST(FormatStatus, AccountsThenSinksThenWhatNeedsAttention) {
  EXPECT_EQ(
      format_status(sample()),
      "account finance (1505084218764547200): last poll partial, 1m59s ago\n"
      "  STARTED_AT                OUTCOME  REQUESTS  FAILURES  EVENTS  DURATION  ERROR\n"
      "  2026-11-23T07:10:00.000Z  partial         7         1       0     842ms  "
      "GET /koodrive/ose/v1/backup/device/1775406005920779393/scope?moduleCode=100: HTTP 503\n"
      "  2026-11-23T07:05:00.000Z  ok              7         0       0      1.2s\n"
      "  failing (device, module) pairs:\n"
      "    DEVICE                        MODULE  FAILURES  FAILING_SINCE             "
      "LAST_SUCCESS              LAST_ERROR\n"
      "    Laptop (1775406005920779393)  folder         1  2026-11-23T07:10:00.842Z  "
      "2026-11-23T07:05:01.250Z  HTTP 503\n"
      "\n"
      "account 42: never polled\n"
      "\n"
      "in the database but not in the config: 77 (old-team)\n"
      "\n"
      "sinks (events up to seq 12)\n"
      "  NAME     TYPE     CURSOR  BACKLOG  STATE\n"
      "  log      log          12        0  ok\n"
      "  webhook  webhook       0       12  ok\n"
      "\n"
      "attention: finance: last poll partial; 42: never polled\n");
}

TEST(FormatStatus, HealthyAccountHasNoAttentionLine) {
  StatusReport report;
  report.now = now;
  report.poll_interval = 5min;
  AccountStatus account = healthy();
  account.failing.clear();
  FailingPair unknown_start{"9", "",        module_album, 4, "2026-11-23T07:10:00.842Z",
                            "",  "timeout", std::nullopt};
  account.failing.push_back(unknown_start);
  report.accounts = {account};
  const std::string text = format_status(report);
  EXPECT_THAT(text, ::testing::HasSubstr("    9       album          4  ?              never"));
  EXPECT_THAT(text, ::testing::HasSubstr("sinks (events up to seq 0)\n  none configured\n"));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("attention")));
}

TEST(StatusJson, TheSameContentForScripts) {
  const boost::json::value doc = boost::json::parse(status_to_json(sample()));
  const boost::json::object& root = doc.as_object();
  EXPECT_EQ(root.at("now"), "2026-11-23T07:12:00.000Z");
  EXPECT_EQ(root.at("ok"), false);
  EXPECT_EQ(root.at("poll_interval_ms"), 300000);
  EXPECT_EQ(root.at("last_seq"), 12);

  const boost::json::array& accounts = root.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 2u);
  const boost::json::object& first = accounts[0].as_object();
  EXPECT_EQ(first.at("account_id"), "1505084218764547200");
  EXPECT_EQ(first.at("name"), "finance");
  EXPECT_EQ(first.at("attention"), boost::json::array({"last poll partial"}));
  const boost::json::array& polls = first.at("polls").as_array();
  ASSERT_EQ(polls.size(), 2u);
  EXPECT_EQ(polls[0].at("poll_id"), 3);
  EXPECT_EQ(polls[0].at("outcome"), "partial");
  EXPECT_EQ(polls[0].at("requests"), 7);
  EXPECT_EQ(polls[0].at("failures"), 1);
  EXPECT_EQ(polls[0].at("events"), 0);
  EXPECT_EQ(polls[0].at("duration_ms"), 842);
  EXPECT_EQ(polls[0].at("started_at"), "2026-11-23T07:10:00.000Z");
  EXPECT_EQ(polls[0].at("finished_at"), "2026-11-23T07:10:00.842Z");
  EXPECT_THAT(std::string(polls[0].at("error").as_string()), ::testing::HasSubstr("HTTP 503"));
  EXPECT_TRUE(polls[1].at("error").is_null());
  const boost::json::object& pair = first.at("failing_pairs").as_array().at(0).as_object();
  EXPECT_EQ(pair.at("device_id"), "1775406005920779393");
  EXPECT_EQ(pair.at("device_name"), "Laptop");
  EXPECT_EQ(pair.at("module_code"), 100);
  EXPECT_EQ(pair.at("module"), "folder");
  EXPECT_EQ(pair.at("consecutive_failures"), 1);
  EXPECT_EQ(pair.at("failing_since"), "2026-11-23T07:10:00.842Z");
  EXPECT_EQ(pair.at("last_success_at"), "2026-11-23T07:05:01.250Z");
  EXPECT_EQ(pair.at("last_attempt_at"), "2026-11-23T07:10:00.842Z");
  EXPECT_EQ(pair.at("last_error"), "HTTP 503");

  const boost::json::object& never = accounts[1].as_object();
  EXPECT_TRUE(never.at("name").is_null());
  EXPECT_EQ(never.at("attention"), boost::json::array({"never polled"}));
  EXPECT_TRUE(never.at("polls").as_array().empty());

  EXPECT_EQ(root.at("unconfigured_accounts"),
            boost::json::parse(R"([{"account_id":"77","name":"old-team"}])"));
  EXPECT_EQ(root.at("sinks"),
            boost::json::parse(R"([{"name":"log","type":"log","cursor":12,"backlog":0,"state":"ok","failures":0,"failing_since":null,"last_error":null,"next_attempt_at":null,"disabled_at":null},
                                   {"name":"webhook","type":"webhook","cursor":0,"backlog":12,"state":"ok","failures":0,"failing_since":null,"last_error":null,"next_attempt_at":null,"disabled_at":null}])"));
}

TEST(StatusJson, OkWhenNothingNeedsAttention) {
  StatusReport report;
  report.now = now;
  report.poll_interval = 5min;
  report.accounts = {healthy()};
  const boost::json::value doc = boost::json::parse(status_to_json(report));
  EXPECT_EQ(doc.at("ok"), true);
  EXPECT_EQ(doc.at("accounts").at(0).at("attention"), boost::json::array());
}

}  // namespace
}  // namespace kda::cli

namespace kda::cli {
namespace {

SinkStatus webhook_with(SinkHealth health) {
  return SinkStatus{"pager", "webhook", 40, 2, std::move(health)};
}

TEST(SinkState, AFailingSinkSaysSinceWhenHowOftenTheNextTryAndWhy) {
  SinkHealth health;
  health.failures = 3;
  health.failing_since = *parse_iso8601("2026-11-23T07:00:00.000Z");
  health.next_attempt_at = *parse_iso8601("2026-11-23T07:00:08.000Z");
  health.last_error = "POST /hook: HTTP 503";
  const SinkStatus sink = webhook_with(health);
  EXPECT_EQ(sink_state(sink),
            "failing since 2026-11-23T07:00:00.000Z (3 failures), next try "
            "2026-11-23T07:00:08.000Z: POST /hook: HTTP 503");
  EXPECT_EQ(attention(sink), std::vector<std::string>{"failing (3 deliveries in a row)"});

  health.failures = 1;
  EXPECT_TRUE(attention(webhook_with(health)).empty()) << "one failure is routine";
}

TEST(SinkState, ADisabledSinkNeedsAttentionAndMakesStatusExitTwo) {
  SinkHealth health;
  health.failures = 1;
  health.disabled_at = *parse_iso8601("2026-11-23T07:00:00.000Z");
  health.last_error = "POST /hook: HTTP 410";
  StatusReport report;
  report.now = *parse_iso8601("2026-11-23T07:01:00.000Z");
  report.sinks = {webhook_with(health)};
  EXPECT_EQ(sink_state(report.sinks[0]),
            "disabled since 2026-11-23T07:00:00.000Z: POST /hook: HTTP 410");
  EXPECT_EQ(status_exit_code(report), status_exit_attention);
  EXPECT_THAT(format_status(report),
              ::testing::HasSubstr("attention: sink pager: disabled (410 Gone); reload or "
                                   "restart the daemon to retry"));
  EXPECT_EQ(boost::json::parse(status_to_json(report)).at("sinks").at(0).at("disabled_at"),
            "2026-11-23T07:00:00.000Z");
}

}  // namespace
}  // namespace kda::cli
