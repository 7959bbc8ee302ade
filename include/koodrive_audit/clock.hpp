#pragma once
// Time as the rest of the code sees it: an injectable clock, and the two text forms the
// project uses (ISO-8601 UTC with milliseconds for the database and events; KooDrive's X-Date).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kda {

using SystemTime = std::chrono::system_clock::time_point;

// Source of "now". Production uses SystemClock; tests inject a ManualClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to. Not thread-safe (nothing in the daemon is threaded).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SystemTime start) : now_(start) {}
  SystemTime now() const override { return now_; }
  void set(SystemTime t) { now_ = t; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  SystemTime now_;
};

// "2026-11-23T07:00:00.000Z"
std::string format_iso8601(SystemTime t);
// Parses the form above, also without milliseconds ("2026-11-23T07:00:00Z").
std::optional<SystemTime> parse_iso8601(std::string_view text);
// KooDrive X-Date: "20251103T070140Z" (UTC, seconds).
std::string format_x_date(SystemTime t);
std::optional<SystemTime> parse_x_date(std::string_view text);

}  // namespace kda
