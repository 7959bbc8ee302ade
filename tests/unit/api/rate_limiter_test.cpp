// The token bucket, driven by made-up time points.
#include "api/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace kda::api {
namespace {

using namespace std::chrono_literals;
using TimePoint = TokenBucket::TimePoint;

const TimePoint t0{std::chrono::seconds{1000}};

TEST(TokenBucket, AllowsABurstThenSpacesRequestsAtTheRate) {
  TokenBucket bucket(10.0, 2.0, t0);
  EXPECT_EQ(bucket.acquire(t0), 0ns);
  EXPECT_EQ(bucket.acquire(t0), 0ns);
  EXPECT_EQ(bucket.acquire(t0), 100ms);  // the third waits one interval
  EXPECT_EQ(bucket.acquire(t0), 200ms);  // and the fourth queues behind it
}

TEST(TokenBucket, RefillsWithTimeUpToTheBurst) {
  TokenBucket bucket(10.0, 2.0, t0);
  bucket.acquire(t0);
  bucket.acquire(t0);
  EXPECT_DOUBLE_EQ(bucket.tokens(t0), 0.0);
  EXPECT_NEAR(bucket.tokens(t0 + 50ms), 0.5, 1e-9);
  EXPECT_EQ(bucket.acquire(t0 + 100ms), 0ns);
  EXPECT_DOUBLE_EQ(bucket.tokens(t0 + 1h), 2.0);  // capped
  EXPECT_EQ(bucket.acquire(t0 + 1h), 0ns);
  EXPECT_EQ(bucket.acquire(t0 + 1h), 0ns);
  EXPECT_EQ(bucket.acquire(t0 + 1h), 100ms);
}

TEST(TokenBucket, PaysBackReservationsBeforeNewTokens) {
  TokenBucket bucket(4.0, 1.0, t0);
  EXPECT_EQ(bucket.acquire(t0), 0ns);
  EXPECT_EQ(bucket.acquire(t0), 250ms);
  EXPECT_EQ(bucket.acquire(t0 + 250ms), 250ms);
  EXPECT_EQ(bucket.acquire(t0 + 1s), 0ns);
}

TEST(TokenBucket, SlowRatesAndATinyBurstStillAllowOneRequest) {
  TokenBucket bucket(0.5, 0.1, t0);  // burst raised to 1
  EXPECT_EQ(bucket.acquire(t0), 0ns);
  EXPECT_EQ(bucket.acquire(t0), 2s);
}

TEST(TokenBucket, AClockSteppingBackAddsNothing) {
  TokenBucket bucket(1.0, 1.0, t0);
  EXPECT_EQ(bucket.acquire(t0), 0ns);
  EXPECT_EQ(bucket.acquire(t0 - 10s), 1s);
}

}  // namespace
}  // namespace kda::api
