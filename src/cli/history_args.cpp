#include "cli/history_args.hpp"

#include "koodrive_audit/config.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>

namespace kda::cli {

namespace {

constexpr std::string_view accepted_forms =
    "use an instant (2026-11-23T08:00:00Z), a date (2026-11-23, 00:00 UTC) or an age "
    "(90m, 24h, 7d)";

// Far enough back for any retention (the default keeps 400 days), near enough that
// now - age never leaves system_clock's range (±292 years at nanosecond resolution).
constexpr std::chrono::seconds max_age = std::chrono::days(36500);

std::optional<std::chrono::seconds> unit_seconds(char unit) {
  switch (unit) {
    case 's':
      return std::chrono::seconds(1);
    case 'm':
      return std::chrono::minutes(1);
    case 'h':
      return std::chrono::hours(1);
    case 'd':
      return std::chrono::days(1);
    default:
      return std::nullopt;
  }
}

std::string not_a_time(std::string_view text) {
  return "'" + std::string(text) + "' is not a time; " + std::string(accepted_forms);
}

}  // namespace

ParsedSince parse_since(std::string_view text, SystemTime now) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    if (auto instant = parse_iso8601(std::string(text) + "T00:00:00Z")) return {instant, {}};
    return {std::nullopt, "'" + std::string(text) + "' is not a valid date (YYYY-MM-DD)"};
  }
  if (text.find('T') != std::string_view::npos) {
    if (auto instant = parse_iso8601(text)) return {instant, {}};
    return {std::nullopt, not_a_time(text)};
  }
  // An age: digits, then one unit letter, nothing else (no sign, no fraction, no space).
  if (text.size() < 2) return {std::nullopt, not_a_time(text)};
  const std::optional<std::chrono::seconds> unit = unit_seconds(text.back());
  std::int64_t count = 0;
  const std::string_view number = text.substr(0, text.size() - 1);
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
  if (!unit || ec == std::errc::invalid_argument || end != number.data() + number.size() ||
      number.front() < '0' || number.front() > '9') {
    return {std::nullopt, not_a_time(text)};
  }
  if (ec == std::errc::result_out_of_range || count > max_age / *unit) {
    return {std::nullopt, "'" + std::string(text) + "' is too far back (at most 36500d)"};
  }
  const auto age = std::chrono::duration_cast<SystemTime::duration>(*unit * count);
  return {now - age, {}};
}

std::optional<std::string> event_type_error(std::string_view text) {
  std::string known;
  for (std::string_view name : event_type_names) {
    if (name == text) return std::nullopt;
    known += known.empty() ? "" : ", ";
    known += name;
  }
  return "unknown event type '" + std::string(text) + "'; one of: " + known;
}

HistoryArgs parse_history_args(const HistoryOptions& options, SystemTime now) {
  HistoryArgs args;
  if (options.since) {
    const ParsedSince since = parse_since(*options.since, now);
    if (since.instant) {
      args.filter.since = format_iso8601(*since.instant);
    } else {
      args.errors.push_back("--since: " + since.error);
    }
  }
  if (options.device) {
    if (options.device->empty()) {
      args.errors.push_back("--device: empty; give a device_id");
    } else {
      args.filter.device_id = *options.device;
    }
  }
  if (options.type) {
    if (std::optional<std::string> error = event_type_error(*options.type)) {
      args.errors.push_back("--type: " + *error);
    } else {
      args.filter.type = *options.type;
    }
  }
  return args;
}

}  // namespace kda::cli
