#include "api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace kda::api {

TokenBucket::TokenBucket(double rate_per_second, double burst, TimePoint now) noexcept
    : rate_(rate_per_second > 0 ? rate_per_second : 1.0),
      burst_(std::max(burst, 1.0)),
      tokens_(burst_),
      last_(now) {}

double TokenBucket::tokens(TimePoint now) const noexcept {
  if (now <= last_) return tokens_;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(burst_, tokens_ + elapsed * rate_);
}

void TokenBucket::refill(TimePoint now) noexcept {
  // A clock that steps back (it should not: steady) adds nothing rather than removing tokens.
  if (now <= last_) return;
  tokens_ = tokens(now);
  last_ = now;
}

TokenBucket::Duration TokenBucket::acquire(TimePoint now) noexcept {
  refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= 0.0) return Duration::zero();
  const double wait_seconds = -tokens_ / rate_;
  return std::chrono::round<Duration>(std::chrono::duration<double>(wait_seconds));
}

}  // namespace kda::api
