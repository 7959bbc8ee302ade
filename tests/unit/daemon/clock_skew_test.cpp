// ClockSkewWatch: the thresholds of each verdict, and one line per change of verdict (a
// warning when the clock leaves step, an info line when it is back), none while it stays.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/clock_skew.hpp"

namespace kda::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(JudgeClockSkew, DateHasWholeSecondsSoMinusOneIsStillInStep) {
  EXPECT_EQ(judge_clock_skew(std::nullopt), ClockVerdict::unknown);
  EXPECT_EQ(judge_clock_skew(0s), ClockVerdict::in_step);
  EXPECT_EQ(judge_clock_skew(-1s), ClockVerdict::in_step);
  EXPECT_EQ(judge_clock_skew(-2s), ClockVerdict::ahead);
  EXPECT_EQ(judge_clock_skew(59s), ClockVerdict::in_step);
  EXPECT_EQ(judge_clock_skew(60s), ClockVerdict::behind);
}

TEST(ClockSkewWatch, AClockInStepFromTheStartIsNotNews) {
  ClockSkewWatch watch;
  EXPECT_FALSE(watch.observe(std::nullopt));
  EXPECT_FALSE(watch.observe(0s));
  EXPECT_FALSE(watch.observe(-1s));
  EXPECT_FALSE(watch.observe(std::nullopt));  // a new client, no answer yet
}

TEST(ClockSkewWatch, EachChangeOfVerdictIsOneLineAndAStayIsNone) {
  ClockSkewWatch watch;
  EXPECT_FALSE(watch.observe(0s));

  const auto ahead = watch.observe(-30s);
  ASSERT_TRUE(ahead);
  EXPECT_TRUE(ahead->warning);
  EXPECT_THAT(ahead->line, HasSubstr("api.clock_skew skew_s=-30 verdict=ahead"));
  EXPECT_THAT(ahead->line, HasSubstr("30 s ahead of the KooDrive server's Date"));
  EXPECT_THAT(ahead->line, HasSubstr("later than its own time"));
  EXPECT_FALSE(watch.observe(-31s));
  EXPECT_FALSE(watch.observe(std::nullopt));  // unknown keeps the last verdict

  const auto back = watch.observe(-1s);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->warning);
  EXPECT_EQ(back->line, "api.clock_skew skew_s=-1 verdict=in_step");

  const auto behind = watch.observe(600s);
  ASSERT_TRUE(behind);
  EXPECT_TRUE(behind->warning);
  EXPECT_THAT(behind->line, HasSubstr("skew_s=600 verdict=behind"));
  EXPECT_THAT(behind->line, HasSubstr("600 s behind"));
  EXPECT_THAT(behind->line, HasSubstr("more than 15 minutes old"));

  const auto straight_ahead = watch.observe(-5s);
  ASSERT_TRUE(straight_ahead);
  EXPECT_TRUE(straight_ahead->warning);
  EXPECT_THAT(straight_ahead->line, HasSubstr("verdict=ahead"));
}

}  // namespace
}  // namespace kda::daemon
