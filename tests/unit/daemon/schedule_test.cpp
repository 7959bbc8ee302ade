// plan_next_poll / plan_first_poll: pure, so every case uses fixed steady time points.
#include "daemon/schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kda::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime t0 = SteadyTime{} + std::chrono::hours(100);
constexpr milliseconds interval = seconds(60);
constexpr double no_offset = 0.5;
const double almost_one = std::nextafter(1.0, 0.0);

TEST(PlanNextPoll, WithoutJitterTheNextPollIsOneIntervalAfterThePreviousGridPoint) {
  const NextPoll next = plan_next_poll(t0, t0 + seconds(5), interval, 0.0, 0.9);
  EXPECT_EQ(next.nominal, t0 + interval);
  EXPECT_EQ(next.at, t0 + interval);
  EXPECT_EQ(next.late, milliseconds(0));
}

TEST(PlanNextPoll, PassingTheNominalBackKeepsPollsOnTheGridWhateverThePollsTook) {
  // Polls of different lengths finish at different times; the starts stay on the grid.
  const milliseconds poll_durations[] = {milliseconds(800), seconds(12), milliseconds(3)};
  NextPoll next{t0, t0, {}};
  for (int i = 0; i < 3; ++i) {
    const SteadyTime poll_finished = next.at + poll_durations[i];
    next = plan_next_poll(next.nominal, poll_finished, interval, 0.0, no_offset);
    EXPECT_EQ(next.at, t0 + (i + 1) * interval);
    EXPECT_EQ(next.late, milliseconds(0));
  }
}

TEST(PlanNextPoll, JitterMovesTheStartButNeverTheGridPoint) {
  const NextPoll early = plan_next_poll(t0, t0, interval, 0.1, 0.0);
  const NextPoll middle = plan_next_poll(t0, t0, interval, 0.1, no_offset);
  const NextPoll late_in_range = plan_next_poll(t0, t0, interval, 0.1, almost_one);
  for (const NextPoll& next : {early, middle, late_in_range}) {
    EXPECT_EQ(next.nominal, t0 + interval);
    EXPECT_EQ(next.late, milliseconds(0));
  }
  EXPECT_EQ(early.at, t0 + interval - seconds(6));  // unit_random 0: −jitter·interval
  EXPECT_EQ(middle.at, t0 + interval);              // 0.5: no offset
  // Just below 1: +jitter·interval, to the millisecond.
  EXPECT_GE(late_in_range.at, t0 + interval + seconds(6) - milliseconds(1));
  EXPECT_LE(late_in_range.at, t0 + interval + seconds(6));
}

TEST(PlanNextPoll, EveryRandomDrawStaysWithinPlusMinusJitterTimesInterval) {
  const milliseconds spread = seconds(15);  // 0.25 · 60 s
  for (int step = 0; step < 1000; ++step) {
    const double unit_random = step / 1000.0;
    const NextPoll next = plan_next_poll(t0, t0, interval, 0.25, unit_random);
    EXPECT_GE(next.at, next.nominal - spread) << "unit_random=" << unit_random;
    EXPECT_LE(next.at, next.nominal + spread) << "unit_random=" << unit_random;
  }
}

TEST(PlanNextPoll, JitterAboveOneHalfIsClampedToOneHalf) {
  const NextPoll earliest = plan_next_poll(t0, t0, interval, 0.9, 0.0);
  const NextPoll latest = plan_next_poll(t0, t0, interval, 0.9, almost_one);
  EXPECT_EQ(earliest.at, t0 + interval - seconds(30));
  EXPECT_GE(latest.at, t0 + interval + seconds(30) - milliseconds(1));
  EXPECT_LE(latest.at, t0 + interval + seconds(30));
}

TEST(PlanNextPoll, AnOverrunPollStartsTheNextAtOnceAndSaysHowLate) {
  const SteadyTime now = t0 + seconds(75);  // the poll took 75 s of a 60 s interval
  const NextPoll next = plan_next_poll(t0, now, interval, 0.0, no_offset);
  EXPECT_EQ(next.at, now);
  EXPECT_EQ(next.late, seconds(15));
}

TEST(PlanNextPoll, AfterAnOverrunTheGridRestartsAtNow) {
  const SteadyTime now = t0 + seconds(75);
  const NextPoll overrun = plan_next_poll(t0, now, interval, 0.0, no_offset);
  EXPECT_EQ(overrun.nominal, now);
  const NextPoll following = plan_next_poll(overrun.nominal, now + seconds(1), interval, 0.0,
                                            no_offset);
  EXPECT_EQ(following.at, now + interval);
  EXPECT_EQ(following.late, milliseconds(0));
}

TEST(PlanNextPoll, LatenessIsMeasuredFromTheGridPoint) {
  // The grid point is t0 + 60 s (the jittered start t0 + 54 s); at t0 + 70 s it is 10 s late.
  const SteadyTime now = t0 + seconds(70);
  const NextPoll next = plan_next_poll(t0, now, interval, 0.1, 0.0);
  EXPECT_EQ(next.at, now);
  EXPECT_EQ(next.late, seconds(10));
  EXPECT_EQ(next.nominal, now);
}

TEST(PlanNextPoll, APollShorterThanTheIntervalIsNotReportedLate) {
  // The jittered start (t0 + 54 s) has passed at t0 + 56 s, but the slot (t0 + 60 s) has not:
  // start now, no overrun, and the grid stays.
  const NextPoll next = plan_next_poll(t0, t0 + seconds(56), interval, 0.1, 0.0);
  EXPECT_EQ(next.at, t0 + seconds(56));
  EXPECT_EQ(next.late, milliseconds(0));
  EXPECT_EQ(next.nominal, t0 + interval);
}

TEST(PlanNextPoll, ASlotReachedExactlyAtNowIsNotLateAndKeepsTheGrid) {
  const SteadyTime now = t0 + interval;
  const NextPoll next = plan_next_poll(t0, now, interval, 0.0, no_offset);
  EXPECT_EQ(next.at, now);
  EXPECT_EQ(next.nominal, t0 + interval);
  EXPECT_EQ(next.late, milliseconds(0));
}

TEST(PlanFirstPoll, RunOnStartPollsNowWithoutJitter) {
  for (const double unit_random : {0.0, no_offset, almost_one}) {
    const NextPoll first = plan_first_poll(t0, interval, 0.5, true, unit_random);
    EXPECT_EQ(first.at, t0);
    EXPECT_EQ(first.nominal, t0);
    EXPECT_EQ(first.late, milliseconds(0));
  }
}

TEST(PlanFirstPoll, WithoutRunOnStartTheFirstPollIsOneJitteredIntervalLater) {
  const NextPoll unjittered = plan_first_poll(t0, interval, 0.5, false, no_offset);
  EXPECT_EQ(unjittered.at, t0 + interval);
  EXPECT_EQ(unjittered.nominal, t0 + interval);
  EXPECT_EQ(unjittered.late, milliseconds(0));

  const NextPoll earliest = plan_first_poll(t0, interval, 0.5, false, 0.0);
  EXPECT_EQ(earliest.at, t0 + seconds(30));  // still in the future, never "late"
  EXPECT_EQ(earliest.nominal, t0 + interval);
  EXPECT_EQ(earliest.late, milliseconds(0));
}

}  // namespace
}  // namespace kda::daemon
