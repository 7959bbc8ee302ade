// sink_retry_delay: exponential backoff with full jitter, random(0, min(max, initial·2^failures)).
#include "daemon/sink_worker.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>

namespace kda::daemon {
namespace {

using std::chrono::milliseconds;

const SinkBackoff backoff{milliseconds(1'000), milliseconds(60'000)};
const double almost_one = std::nextafter(1.0, 0.0);

TEST(SinkRetryDelay, ADrawOfZeroRetriesAtOnce) {
  for (const int failures : {0, 1, 5, 30, INT_MAX}) {
    EXPECT_EQ(sink_retry_delay(backoff, failures, 0.0), milliseconds(0)) << failures;
  }
}

TEST(SinkRetryDelay, TheCeilingDoublesWithEachFailure) {
  EXPECT_EQ(sink_retry_delay(backoff, 0, 0.5), milliseconds(500));
  EXPECT_EQ(sink_retry_delay(backoff, 1, 0.5), milliseconds(1'000));
  EXPECT_EQ(sink_retry_delay(backoff, 2, 0.5), milliseconds(2'000));
  EXPECT_EQ(sink_retry_delay(backoff, 3, 0.5), milliseconds(4'000));
  EXPECT_EQ(sink_retry_delay(backoff, 5, 0.5), milliseconds(16'000));
}

TEST(SinkRetryDelay, TheCeilingStopsAtMax) {
  EXPECT_EQ(sink_retry_delay(backoff, 6, 0.5), milliseconds(30'000));  // 64 s capped to 60 s
  EXPECT_EQ(sink_retry_delay(backoff, 20, 0.5), milliseconds(30'000));
}

TEST(SinkRetryDelay, ADrawJustBelowOneReachesTheCeilingButNotBeyond) {
  const milliseconds first = sink_retry_delay(backoff, 0, almost_one);
  EXPECT_GE(first, milliseconds(999));
  EXPECT_LE(first, milliseconds(1'000));
  const milliseconds capped = sink_retry_delay(backoff, 10, almost_one);
  EXPECT_GE(capped, milliseconds(59'999));
  EXPECT_LE(capped, milliseconds(60'000));
}

TEST(SinkRetryDelay, EveryDrawLiesBetweenZeroAndTheCeiling) {
  for (int failures = 0; failures <= 70; ++failures) {
    const double doubled = 1'000.0 * std::ldexp(1.0, failures);
    const auto ceiling = milliseconds(static_cast<std::int64_t>(std::min(doubled, 60'000.0)));
    for (int step = 0; step < 100; ++step) {
      const milliseconds delay = sink_retry_delay(backoff, failures, step / 100.0);
      EXPECT_GE(delay, milliseconds(0)) << "failures=" << failures << " step=" << step;
      EXPECT_LE(delay, ceiling) << "failures=" << failures << " step=" << step;
    }
  }
}

TEST(SinkRetryDelay, HugeFailureCountsDoNotOverflow) {
  const SinkBackoff daemon_default{};  // 1 s … 5 min
  for (const int failures : {31, 62, 63, 64, 1'000, INT_MAX}) {
    EXPECT_EQ(sink_retry_delay(daemon_default, failures, 0.5), milliseconds(150'000)) << failures;
    const milliseconds longest = sink_retry_delay(daemon_default, failures, almost_one);
    EXPECT_GT(longest, milliseconds(299'000)) << failures;
    EXPECT_LE(longest, milliseconds(300'000)) << failures;
  }
}

TEST(SinkRetryDelay, TinyTestBackoffsStayTiny) {
  const SinkBackoff tiny{milliseconds(1), milliseconds(5)};
  EXPECT_EQ(sink_retry_delay(tiny, 0, almost_one), milliseconds(0));  // ⌊0.99… · 1 ms⌋
  EXPECT_LE(sink_retry_delay(tiny, 2, almost_one), milliseconds(4));
  EXPECT_LE(sink_retry_delay(tiny, 100, almost_one), milliseconds(5));
}

}  // namespace
}  // namespace kda::daemon
