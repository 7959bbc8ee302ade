#pragma once
// The text forms of config values that are not plain YAML: durations ("500ms", "1h30m"),
// percentages ("10%"), sizes ("8MiB") and listening addresses ("127.0.0.1:9464", "[::1]:0").
// Each parse is strict (the whole text, no sign, no spaces except before a size unit) and each
// format is its inverse, so rendered values read back unchanged.
#include "koodrive_audit/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kda::config {

// One or more <digits><unit> with unit ms, s, m, h or d; a bare "0" is zero. Caps at ~100 years.
std::optional<Duration> parse_duration(std::string_view text);
// The largest unit that divides exactly: 300000 → "5m", 90000 → "90s", 0 → "0s".
std::string format_duration(Duration d);

// "10%" → 0.1 ("12.5%" allowed). Negative and non-finite values are rejected.
std::optional<double> parse_percent(std::string_view text);
std::string format_percent(double fraction);

// "1048576", "512KiB", "8MiB", "1GiB" (also "8 MiB"). Binary units only.
std::optional<std::uint64_t> parse_bytes(std::string_view text);
std::string format_bytes(std::uint64_t bytes);

// A plain decimal number without exponent: "0", "2.5", "-1".
std::optional<double> parse_number(std::string_view text);
std::string format_number(double value);

// "host:port" with an IPv4 address or a host name, or "[IPv6]:port"; port 0 … 65535.
// On failure returns std::nullopt and says why in `why` (a phrase, no key, no position).
std::optional<HostPort> parse_host_port(std::string_view text, std::string& why);

}  // namespace kda::config
