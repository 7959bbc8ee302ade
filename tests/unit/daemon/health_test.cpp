// judge_health: two intervals without a successful poll, counted from the start before the
// first one; a failed commit; each reason names the account and the age.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/health.hpp"

namespace kda::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;

HealthInput input_at(std::chrono::steady_clock::duration since_start) {
  HealthInput input;
  input.started = t0;
  input.interval = 60s;
  input.now = t0 + since_start;
  input.accounts.push_back({"a", {}, "", ""});
  return input;
}

TEST(JudgeHealth, BeforeTheFirstPollTheStartGivesTwoIntervalsOfGrace) {
  EXPECT_TRUE(judge_health(input_at(120s)).healthy);
  const HealthVerdict late = judge_health(input_at(121s));
  EXPECT_FALSE(late.healthy);
  EXPECT_THAT(late.reasons,
              ElementsAre("account a: no successful poll since the start 121s ago "
                          "(limit 2 x poll.interval = 120s)"));
}

TEST(JudgeHealth, ASuccessWithinTwoIntervalsIsHealthyEvenAfterAFailedPoll) {
  HealthInput input = input_at(1000s);
  input.accounts[0] = {"a", t0 + 900s, "failed", "device list: GET …: timeout"};
  EXPECT_TRUE(judge_health(input).healthy);
  input.now = t0 + 1021s;
  const HealthVerdict verdict = judge_health(input);
  EXPECT_FALSE(verdict.healthy);
  ASSERT_EQ(verdict.reasons.size(), 1u);
  EXPECT_EQ(verdict.reasons[0],
            "account a: last successful poll 121s ago (limit 2 x poll.interval = 120s); "
            "last poll failed: device list: GET …: timeout");
}

TEST(JudgeHealth, EveryStaleAccountAndAFailedCommitAreReasons) {
  HealthInput input = input_at(500s);
  input.accounts[0].last_success = t0 + 450s;  // fresh
  input.accounts.push_back({"b", t0 + 100s, "partial", ""});
  input.accounts.push_back({"c", {}, "failed", "database: disk I/O error"});
  input.database_error = "database: disk I/O error";
  const HealthVerdict verdict = judge_health(input);
  EXPECT_FALSE(verdict.healthy);
  ASSERT_EQ(verdict.reasons.size(), 3u);
  EXPECT_THAT(verdict.reasons[0], HasSubstr("account b: last successful poll 400s ago"));
  EXPECT_THAT(verdict.reasons[1], HasSubstr("account c: no successful poll since the start 500s"));
  EXPECT_EQ(verdict.reasons[2],
            "database not writable: the last commit failed: database: disk I/O error");
  EXPECT_EQ(health_body(verdict).substr(0, 10), "unhealthy\n");
  EXPECT_EQ(health_body(HealthVerdict{}), "ok\n");
}

}  // namespace
}  // namespace kda::daemon
