#include "config/units.hpp"

#include <boost/url/grammar/parse.hpp>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace kda::config {

namespace {

using Unit = std::pair<std::string_view, std::int64_t>;
// Longest spelling first so that "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 5> duration_units{{
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
constexpr std::int64_t duration_cap = 100LL * 366 * 86'400'000;

constexpr std::array<Unit, 4> byte_units{{
    {"GiB", 1LL << 30}, {"MiB", 1LL << 20}, {"KiB", 1LL << 10}, {"B", 1}}};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::optional<std::int64_t> leading_integer(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  if (n == 0 || n > 15) return std::nullopt;  // 15 digits: far beyond any cap, no overflow
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + n, value);
  text.remove_prefix(n);
  return value;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  while (!text.empty()) {
    auto number = leading_integer(text);
    if (!number) return std::nullopt;
    auto unit = std::find_if(duration_units.begin(), duration_units.end(),
                             [&](const Unit& u) { return text.starts_with(u.first); });
    if (unit == duration_units.end()) return std::nullopt;
    text.remove_prefix(unit->first.size());
    if (*number > duration_cap / unit->second) return std::nullopt;
    total += *number * unit->second;
    if (total > duration_cap) return std::nullopt;
  }
  return Duration{total};
}

std::string format_duration(Duration d) {
  const std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  for (auto it = duration_units.rbegin(); it != duration_units.rend(); ++it) {
    if (ms % it->second == 0) return std::to_string(ms / it->second) + std::string(it->first);
  }
  return std::to_string(ms) + "ms";
}

std::optional<double> parse_number(std::string_view text) {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  if (text.empty() || !is_digit(text.front()) || !is_digit(text.back())) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || c == '.'; }))
    return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return negative ? -value : value;
}

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

std::optional<double> parse_percent(std::string_view text) {
  if (!text.ends_with('%')) return std::nullopt;
  text.remove_suffix(1);
  auto number = parse_number(text);
  if (!number) return std::nullopt;
  return *number / 100.0;
}

std::string format_percent(double fraction) { return format_number(fraction * 100.0) + "%"; }

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  auto number = leading_integer(text);
  if (!number) return std::nullopt;
  if (text.starts_with(' ')) text.remove_prefix(1);
  if (text.empty()) return static_cast<std::uint64_t>(*number);
  auto unit = std::find_if(byte_units.begin(), byte_units.end(),
                           [&](const Unit& u) { return text == u.first; });
  if (unit == byte_units.end()) return std::nullopt;
  if (*number > (std::int64_t{1} << 50) / unit->second) return std::nullopt;
  return static_cast<std::uint64_t>(*number * unit->second);
}

std::string format_bytes(std::uint64_t bytes) {
  for (const auto& [name, size] : byte_units) {
    const auto unit = static_cast<std::uint64_t>(size);
    if (bytes != 0 && bytes % unit == 0 && unit > 1) return std::to_string(bytes / unit) + std::string(name);
  }
  return std::to_string(bytes);
}

std::optional<HostPort> parse_host_port(std::string_view text, std::string& why) {
  std::string_view host;
  std::string_view port;
  bool ipv6 = false;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = "expected [IPv6]:port such as [::1]:9464";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    ipv6 = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      why = "expected host:port such as 127.0.0.1:9464 or [::1]:9464";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      why = "an IPv6 address goes in brackets, as in [::1]:9464";
      return std::nullopt;
    }
  }
  if (host.empty()) {
    why = "the host is missing; write 0.0.0.0 or [::] to listen on every address";
    return std::nullopt;
  }
  if (ipv6) {
    if (!boost::urls::parse_ipv6_address(host)) {
      why = "'" + std::string(host) + "' is not an IPv6 address";
      return std::nullopt;
    }
  } else {
    const bool host_name_chars = std::all_of(host.begin(), host.end(), [](char c) {
      return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
    });
    const bool looks_numeric = std::all_of(host.begin(), host.end(),
                                           [](char c) { return is_digit(c) || c == '.'; });
    if (!host_name_chars || (looks_numeric && !boost::urls::parse_ipv4_address(host))) {
      why = "'" + std::string(host) + "' is neither an IPv4 address nor a host name";
      return std::nullopt;
    }
  }
  std::string_view digits = port;
  auto number = leading_integer(digits);
  if (!number || !digits.empty()) {
    why = "the port '" + std::string(port) + "' is not a number";
    return std::nullopt;
  }
  if (*number > 65535) {
    why = "port " + std::to_string(*number) + " is out of range; must be between 0 and 65535";
    return std::nullopt;
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(*number)};
}

}  // namespace kda::config

namespace kda {

std::string HostPort::to_string() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace kda
