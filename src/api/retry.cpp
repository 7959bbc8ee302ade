#include "api/retry.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace kda::api {

using std::chrono::milliseconds;

milliseconds backoff_cap(const RetryPolicy& policy, int retry_index) noexcept {
  const milliseconds maximum = std::max(policy.max_backoff, milliseconds{0});
  milliseconds cap = std::clamp(policy.initial_backoff, milliseconds{0}, maximum);
  // Doubling stops at the maximum, so it never overflows and never loops long.
  for (int i = 0; i < retry_index && cap.count() > 0 && cap < maximum; ++i) {
    cap = cap > maximum / 2 ? maximum : cap * 2;
  }
  return cap;
}

std::optional<milliseconds> backoff_delay(const RetryPolicy& policy, int retry_index,
                                          std::optional<milliseconds> retry_after,
                                          double unit_random) noexcept {
  if (retry_after && *retry_after > retry_after_ceiling) return std::nullopt;
  if (!(unit_random >= 0.0)) unit_random = 0.0;  // also catches NaN
  if (unit_random >= 1.0) unit_random = std::nextafter(1.0, 0.0);
  const milliseconds cap = backoff_cap(policy, std::max(retry_index, 0));
  const auto jittered = static_cast<milliseconds::rep>(
      std::floor(unit_random * static_cast<double>(cap.count())));
  milliseconds delay{std::clamp<milliseconds::rep>(jittered, 0, cap.count())};
  if (retry_after) delay = std::max(delay, *retry_after);
  return delay;
}

bool should_retry(const RetryPolicy& policy, int attempt, const Error& error) noexcept {
  return attempt < policy.attempts && error.transient();
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<int> month_index(std::string_view name) {
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (months[i] == name) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (!s.empty()) {
    const auto pos = s.find(sep);
    const auto part = s.substr(0, pos);
    if (!part.empty()) parts.push_back(part);
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return parts;
}

std::optional<SystemTime> make_time(int year, int month, int day, std::string_view hms) {
  const auto fields = split(hms, ':');
  if (fields.size() != 3) return std::nullopt;
  const auto h = number(fields[0]), m = number(fields[1]), s = number(fields[2]);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return SystemTime{std::chrono::sys_days{ymd}} + std::chrono::hours{*h} +
         std::chrono::minutes{*m} + std::chrono::seconds{*s};
}

}  // namespace

std::optional<SystemTime> parse_http_date(std::string_view value) {
  value = trim(value);
  const auto comma = value.find(',');
  if (comma != std::string_view::npos) {
    const auto rest = split(value.substr(comma + 1), ' ');
    if (rest.size() == 5 && rest[4] == "GMT") {
      // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
      const auto day = number(rest[0]), year = number(rest[2]);
      const auto month = month_index(rest[1]);
      if (!day || !year || !month) return std::nullopt;
      return make_time(*year, *month, *day, rest[3]);
    }
    if (rest.size() == 3 && rest[2] == "GMT") {
      // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
      const auto dmy = split(rest[0], '-');
      if (dmy.size() != 3) return std::nullopt;
      const auto day = number(dmy[0]), yy = number(dmy[2]);
      const auto month = month_index(dmy[1]);
      if (!day || !yy || !month || dmy[2].size() != 2) return std::nullopt;
      // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
      const int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
      return make_time(year, *month, *day, rest[1]);
    }
    return std::nullopt;
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  const auto parts = split(value, ' ');
  if (parts.size() != 5) return std::nullopt;
  const auto month = month_index(parts[1]);
  const auto day = number(parts[2]), year = number(parts[4]);
  if (!month || !day || !year) return std::nullopt;
  return make_time(*year, *month, *day, parts[3]);
}

std::optional<milliseconds> parse_retry_after(std::string_view value, SystemTime now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](unsigned char c) { return std::isdigit(c) != 0; })) {
    // Saturate absurd values instead of overflowing; they exceed the ceiling anyway.
    if (value.size() > 9) return milliseconds{std::chrono::hours{24 * 365}};
    const auto seconds = number(value);
    if (!seconds) return std::nullopt;
    return std::chrono::duration_cast<milliseconds>(std::chrono::seconds{*seconds});
  }
  const auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds{0};
  return std::chrono::ceil<milliseconds>(*when - now);
}

}  // namespace kda::api
