#pragma once
// Whether this host's clock suits KooDrive's X-Date rule, judged from the skew the API client
// measured: the server's `Date` minus our clock at the last answer that carried one. KooDrive
// refuses an X-Date later than its own time or more than 15 minutes older (koodrive-api.md §2),
// and a refused signature fails every request as HTTP 400 "authentication failed", which says
// nothing about clocks. The daemon logs a change of verdict once (not every poll) and exports
// the skew as a gauge, so that the operator learns the cause before, or as, the polls fail.
//
// Pure: the caller passes what the client measured. `Date` has whole seconds and is stamped
// before the answer travels, so a clock in step can measure -1 s; "ahead" needs -2 s or less.
#include <chrono>
#include <optional>
#include <string>

namespace kda::daemon {

enum class ClockVerdict { unknown, in_step, ahead, behind };

inline constexpr std::chrono::seconds clock_ahead_from{-2};
// A quarter of the 15 minutes KooDrive accepts: time to mend NTP before requests fail.
inline constexpr std::chrono::seconds clock_behind_from{60};

ClockVerdict judge_clock_skew(std::optional<std::chrono::seconds> skew);

struct ClockSkewNotice {
  bool warning = false;  // else the clock is back in step
  std::string line;      // the log line, without the level
};

class ClockSkewWatch {
 public:
  // The line to log when the verdict changed since the last call (an unknown skew changes
  // nothing: no answer carried a Date); none otherwise.
  std::optional<ClockSkewNotice> observe(std::optional<std::chrono::seconds> skew);

 private:
  ClockVerdict last_ = ClockVerdict::unknown;
};

}  // namespace kda::daemon
