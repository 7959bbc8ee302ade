#include "daemon/clock_skew.hpp"

#include <spdlog/fmt/fmt.h>

namespace kda::daemon {

ClockVerdict judge_clock_skew(std::optional<std::chrono::seconds> skew) {
  if (!skew) return ClockVerdict::unknown;
  if (*skew <= clock_ahead_from) return ClockVerdict::ahead;
  if (*skew >= clock_behind_from) return ClockVerdict::behind;
  return ClockVerdict::in_step;
}

std::optional<ClockSkewNotice> ClockSkewWatch::observe(std::optional<std::chrono::seconds> skew) {
  const ClockVerdict verdict = judge_clock_skew(skew);
  if (verdict == ClockVerdict::unknown || verdict == last_) return std::nullopt;
  const ClockVerdict before = last_;
  last_ = verdict;
  const long long seconds = skew->count();
  switch (verdict) {
    case ClockVerdict::ahead:
      return ClockSkewNotice{
          true, fmt::format("api.clock_skew skew_s={} verdict=ahead detail=\"this host's clock is "
                            "{} s ahead of the KooDrive server's Date; KooDrive refuses an X-Date "
                            "later than its own time (HTTP 400, authentication failed): check "
                            "NTP\"",
                            seconds, -seconds)};
    case ClockVerdict::behind:
      return ClockSkewNotice{
          true, fmt::format("api.clock_skew skew_s={} verdict=behind detail=\"this host's clock "
                            "is {} s behind the KooDrive server's Date; KooDrive refuses an "
                            "X-Date more than 15 minutes old (HTTP 400, authentication failed): "
                            "check NTP\"",
                            seconds, seconds)};
    case ClockVerdict::in_step:
      // The first verdict of a daemon whose clock is fine is not news.
      if (before == ClockVerdict::unknown) return std::nullopt;
      return ClockSkewNotice{false,
                             fmt::format("api.clock_skew skew_s={} verdict=in_step", seconds)};
    case ClockVerdict::unknown:
      break;
  }
  return std::nullopt;
}

}  // namespace kda::daemon
