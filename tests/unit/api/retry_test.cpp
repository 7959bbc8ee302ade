// Retry timing: full jitter, caps, Retry-After (seconds and HTTP-date), attempts.
#include "api/retry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace kda::api {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

const RetryPolicy policy{5, 100ms, 1000ms};

TEST(BackoffCap, DoublesFromTheInitialBackoffUpToTheMaximum) {
  EXPECT_EQ(backoff_cap(policy, 0), 100ms);
  EXPECT_EQ(backoff_cap(policy, 1), 200ms);
  EXPECT_EQ(backoff_cap(policy, 2), 400ms);
  EXPECT_EQ(backoff_cap(policy, 3), 800ms);
  EXPECT_EQ(backoff_cap(policy, 4), 1000ms);
  EXPECT_EQ(backoff_cap(policy, 1'000'000), 1000ms);
}

TEST(BackoffCap, NeverOverflowsWithHugeValues) {
  const RetryPolicy huge{3, milliseconds{std::int64_t{1} << 40}, milliseconds::max()};
  EXPECT_EQ(backoff_cap(huge, 62), milliseconds::max());
  const RetryPolicy zero{3, 0ms, 10ms};
  EXPECT_EQ(backoff_cap(zero, 100), 0ms);
  const RetryPolicy initial_over_max{3, 50ms, 10ms};
  EXPECT_EQ(backoff_cap(initial_over_max, 0), 10ms);
}

TEST(BackoffDelay, FullJitterSpansZeroToTheCap) {
  for (int retry = 0; retry < 6; ++retry) {
    const auto cap = backoff_cap(policy, retry);
    EXPECT_EQ(backoff_delay(policy, retry, std::nullopt, 0.0), 0ms) << retry;
    EXPECT_EQ(backoff_delay(policy, retry, std::nullopt, 0.5), cap / 2) << retry;
    const auto top = backoff_delay(policy, retry, std::nullopt, 0.999999);
    ASSERT_TRUE(top);
    EXPECT_LT(*top, cap) << retry;
    EXPECT_GE(*top, cap - 1ms) << retry;
  }
}

TEST(BackoffDelay, OutOfRangeRandomValuesAreClamped) {
  EXPECT_EQ(backoff_delay(policy, 0, std::nullopt, -3.0), 0ms);
  EXPECT_LT(*backoff_delay(policy, 0, std::nullopt, 1.0), 100ms);
  EXPECT_LT(*backoff_delay(policy, 0, std::nullopt, 42.0), 100ms);
  EXPECT_EQ(backoff_delay(policy, 0, std::nullopt, std::nan("")), 0ms);
}

TEST(BackoffDelay, IsNeverShorterThanRetryAfter) {
  EXPECT_EQ(backoff_delay(policy, 0, 2000ms, 0.0), 2000ms);  // above max_backoff: honoured
  EXPECT_EQ(backoff_delay(policy, 3, 10ms, 0.5), 400ms);     // the jitter is longer
  EXPECT_EQ(backoff_delay(policy, 0, 0ms, 0.0), 0ms);
}

TEST(BackoffDelay, RetryAfterBeyondTheCeilingMeansGiveUp) {
  EXPECT_EQ(backoff_delay(policy, 0, retry_after_ceiling, 0.0), retry_after_ceiling);
  EXPECT_EQ(backoff_delay(policy, 0, retry_after_ceiling + 1ms, 0.0), std::nullopt);
}

TEST(ShouldRetry, OnlyTransientErrorsAndOnlyWithinTheAttempts) {
  Error transient = make_error(errc::timeout, "GET /x");
  Error permanent = make_error(errc::auth_rejected, "GET /x");
  EXPECT_TRUE(should_retry(policy, 1, transient));
  EXPECT_TRUE(should_retry(policy, 4, transient));
  EXPECT_FALSE(should_retry(policy, 5, transient));
  EXPECT_FALSE(should_retry(policy, 1, permanent));
  EXPECT_FALSE(should_retry(RetryPolicy{1, 1ms, 1ms}, 1, transient));

  Error code_transient = make_error(errc::api_error, "GET /x");
  code_transient.api_code = api_code_server_failure;
  code_transient.http_status = 400;
  EXPECT_TRUE(should_retry(policy, 1, code_transient));
  Error code_permanent = code_transient;
  code_permanent.api_code = api_code_bad_parameter;
  EXPECT_FALSE(should_retry(policy, 1, code_permanent));
}

const SystemTime now = SystemTime{std::chrono::sys_days{std::chrono::year{2015} / 10 / 21}} +
                       7h + 28min;  // Wed, 21 Oct 2015 07:28:00 GMT

TEST(ParseRetryAfter, DeltaSeconds) {
  EXPECT_EQ(parse_retry_after("0", now), 0ms);
  EXPECT_EQ(parse_retry_after("2", now), 2000ms);
  EXPECT_EQ(parse_retry_after(" 120 ", now), 120'000ms);
  EXPECT_GT(*parse_retry_after("99999999999999999999", now), retry_after_ceiling);
}

TEST(ParseRetryAfter, HttpDateRelativeToNow) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30'000ms);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60'000ms);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:05 2015", now), 5000ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0ms);  // past
}

TEST(ParseRetryAfter, RejectsGarbage) {
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 32 Oct 2015 07:28:30 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Foo 2015 07:28:30 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 25:28:30 GMT", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 UTC", now), std::nullopt);
}

}  // namespace
}  // namespace kda::api
