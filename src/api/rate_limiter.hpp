#pragma once
// A token bucket (pure): `rate` tokens per second, at most `burst` saved up. Time is passed in,
// so tests drive it with made-up time points; the client sleeps for what acquire() returns.
#include <chrono>

namespace kda::api {

class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::nanoseconds;

  // rate > 0; burst >= 1 (smaller values are raised to 1). The bucket starts full.
  TokenBucket(double rate_per_second, double burst, TimePoint now) noexcept;

  // Takes one token and returns how long the caller must wait before using it: zero when one
  // was available. Tokens are reserved ahead (the balance may go negative), so concurrent
  // callers are spaced 1/rate apart in the order they asked.
  Duration acquire(TimePoint now) noexcept;

  // Tokens available at `now` (negative while reservations are outstanding).
  double tokens(TimePoint now) const noexcept;

 private:
  void refill(TimePoint now) noexcept;

  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

}  // namespace kda::api
