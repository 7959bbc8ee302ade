#include "koodrive_audit/clock.hpp"

#include <charconv>
#include <cstdio>

namespace kda {

namespace {

using namespace std::chrono;

struct Fields {
  int year;
  unsigned month, day, hour, minute, second, millisecond;
};

Fields split(SystemTime t) {
  const auto ms = floor<milliseconds>(t);
  const auto day_start = floor<days>(ms);
  const year_month_day ymd{day_start};
  const hh_mm_ss hms{ms - day_start};
  return Fields{static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(hms.hours().count()),
                static_cast<unsigned>(hms.minutes().count()),
                static_cast<unsigned>(hms.seconds().count()),
                static_cast<unsigned>(hms.subseconds().count())};
}

// Reads exactly `width` decimal digits at `pos`.
std::optional<unsigned> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

std::optional<SystemTime> assemble(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                   unsigned s, unsigned ms) {
  const year_month_day ymd{year{static_cast<int>(y)}, month{mo}, day{d}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return SystemTime{sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms}};
}

}  // namespace

std::string format_iso8601(SystemTime t) {
  const Fields f = split(t);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", f.year, f.month,
                f.day, f.hour, f.minute, f.second, f.millisecond);
  return buffer;
}

std::optional<SystemTime> parse_iso8601(std::string_view text) {
  // yyyy-mm-ddThh:mm:ss[.mmm]Z
  if (text.size() != 20 && text.size() != 24) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z')
    return std::nullopt;
  unsigned ms = 0;
  if (text.size() == 24) {
    if (text[19] != '.') return std::nullopt;
    const auto fraction = digits(text, 20, 3);
    if (!fraction) return std::nullopt;
    ms = *fraction;
  }
  const auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2),
             h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  return assemble(*y, *mo, *d, *h, *mi, *s, ms);
}

std::string format_x_date(SystemTime t) {
  // Every request carries one, and a poll sends thousands a second: the text of the last
  // second is kept (per thread) instead of splitting and formatting it again.
  struct LastSecond {
    std::chrono::sys_seconds second = std::chrono::sys_seconds::min();
    std::string text;
  };
  thread_local LastSecond last;
  const auto second = std::chrono::floor<std::chrono::seconds>(t);
  if (second == last.second) return last.text;
  const Fields f = split(t);
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02uT%02u%02u%02uZ", f.year, f.month, f.day,
                f.hour, f.minute, f.second);
  last.second = second;
  last.text = buffer;
  return last.text;
}

std::optional<SystemTime> parse_x_date(std::string_view text) {
  // yyyymmddThhmmssZ
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const auto y = digits(text, 0, 4), mo = digits(text, 4, 2), d = digits(text, 6, 2),
             h = digits(text, 9, 2), mi = digits(text, 11, 2), s = digits(text, 13, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  return assemble(*y, *mo, *d, *h, *mi, *s, 0);
}

}  // namespace kda
