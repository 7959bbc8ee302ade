#include "daemon/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace kda::daemon {

namespace {

std::chrono::milliseconds jitter_offset(std::chrono::milliseconds interval, double jitter,
                                        double unit_random) {
  const double spread = std::clamp(jitter, 0.0, 0.5) * static_cast<double>(interval.count());
  const double offset = (2.0 * std::clamp(unit_random, 0.0, 1.0) - 1.0) * spread;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(offset)));
}

}  // namespace

NextPoll plan_next_poll(SteadyTime previous_nominal, SteadyTime now,
                        std::chrono::milliseconds interval, double jitter, double unit_random) {
  NextPoll next;
  next.nominal = previous_nominal + interval;
  next.at = next.nominal + jitter_offset(interval, jitter, unit_random);
  if (next.at < now) {
    next.at = now;
    // Only a poll that ran past its grid point overran its slot; one that merely missed a
    // jittered-early start did not, and keeps the grid.
    if (next.nominal < now) {
      next.late = std::chrono::duration_cast<std::chrono::milliseconds>(now - next.nominal);
      next.nominal = now;
    }
  }
  return next;
}

NextPoll plan_first_poll(SteadyTime now, std::chrono::milliseconds interval, double jitter,
                         bool run_on_start, double unit_random) {
  if (run_on_start) return NextPoll{now, now, {}};
  return plan_next_poll(now, now, interval, jitter, unit_random);
}

}  // namespace kda::daemon
