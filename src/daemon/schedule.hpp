#pragma once
// When the next poll starts (DESIGN §6 `poll`): pure, so the daemon's timing is unit-tested
// without a clock.
//
// Polls sit on a grid of `interval` steps from the first one; each start is moved by a random
// offset within ±jitter·interval so that many daemons do not hit KooDrive in step. A poll that
// overruns its slot is never overlapped: the next one starts at once, the grid restarts from
// there, and the result says how late it is so the daemon can log it.
#include <chrono>

namespace kda::daemon {

using SteadyTime = std::chrono::steady_clock::time_point;

struct NextPoll {
  SteadyTime at;                      // when to start
  SteadyTime nominal;                 // its grid point (pass it back as `previous_nominal`)
  std::chrono::milliseconds late{0};  // > 0 when `now` is past the grid point: an overrun
};

// `unit_random` is uniform in [0, 1); 0.5 means no offset. `jitter` is a fraction, 0 … 0.5.
NextPoll plan_next_poll(SteadyTime previous_nominal, SteadyTime now,
                        std::chrono::milliseconds interval, double jitter, double unit_random);

// The first poll: at `now` when run_on_start, else one interval (jittered) later.
NextPoll plan_first_poll(SteadyTime now, std::chrono::milliseconds interval, double jitter,
                         bool run_on_start, double unit_random);

}  // namespace kda::daemon
