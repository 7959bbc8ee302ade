#include "koodrive_audit/clock.hpp"

#include <gtest/gtest.h>

namespace kda {
namespace {

using namespace std::chrono;

TEST(Time, FormatsIsoWithMillisecondsAndZ) {
  const SystemTime t = sys_days{2026y / 11 / 23} + 7h + 5min + 9s + 42ms;
  EXPECT_EQ(format_iso8601(t), "2026-11-23T07:05:09.042Z");
}

TEST(Time, ParsesIsoWithAndWithoutMilliseconds) {
  const SystemTime t = sys_days{2025y / 9 / 15} + 6h + 14min + 48s + 630ms;
  EXPECT_EQ(parse_iso8601("2025-09-15T06:14:48.630Z"), t);
  EXPECT_EQ(parse_iso8601("2025-09-15T06:14:48Z"), t - 630ms);
  EXPECT_FALSE(parse_iso8601("2025-02-30T06:14:48Z"));
  EXPECT_FALSE(parse_iso8601("2025-09-15 06:14:48Z"));
  EXPECT_FALSE(parse_iso8601(""));
}

TEST(Time, XDateRoundTrips) {
  const SystemTime t = sys_days{2025y / 11 / 3} + 7h + 1min + 40s;
  EXPECT_EQ(format_x_date(t + 999ms), "20251103T070140Z");
  EXPECT_EQ(parse_x_date("20251103T070140Z"), t);
  EXPECT_FALSE(parse_x_date("20251103T070160Z"));
  EXPECT_FALSE(parse_x_date("2025-11-03T07:01:40Z"));
}

// format_x_date keeps the text of the last second it formatted: a call in another second,
// earlier or later, and a later day or year, must not get it.
TEST(Time, XDateFollowsEverySecondInAnyOrder) {
  const SystemTime t = sys_days{2025y / 12 / 31} + 23h + 59min + 59s;
  EXPECT_EQ(format_x_date(t), "20251231T235959Z");
  EXPECT_EQ(format_x_date(t + 500ms), "20251231T235959Z");
  EXPECT_EQ(format_x_date(t + 1s), "20260101T000000Z");
  EXPECT_EQ(format_x_date(t + 999ms), "20251231T235959Z");
  EXPECT_EQ(format_x_date(t - 1ms), "20251231T235958Z");
  EXPECT_EQ(format_x_date(t - 1ms), "20251231T235958Z");
  EXPECT_EQ(format_x_date(t + 1s + 1ms), "20260101T000000Z");
  EXPECT_EQ(format_x_date(t + 24h), "20260101T235959Z");
}

TEST(Time, ManualClockMovesOnlyWhenTold) {
  ManualClock clock{SystemTime{}};
  EXPECT_EQ(clock.now(), SystemTime{});
  clock.advance(1500ms);
  EXPECT_EQ(clock.now(), SystemTime{} + 1500ms);
}

}  // namespace
}  // namespace kda
