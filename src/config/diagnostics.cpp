#include "config/diagnostics.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace kda {

std::string ConfigDiagnostic::to_string() const {
  std::string text = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!key.empty()) text += key + ": ";
  return text + message;
}

namespace {

std::string join_lines(const std::vector<ConfigDiagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) {
    if (!text.empty()) text += '\n';
    text += d.to_string();
  }
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<ConfigDiagnostic> diagnostics)
    : std::runtime_error(join_lines(diagnostics)), diagnostics_(std::move(diagnostics)) {}

namespace config {

Position position_of(const YAML::Mark& mark) noexcept {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

namespace {

// Keys and messages quote what was written, which may hold any byte. A diagnostic is one line
// (the CLI prints it, the daemon logs it) and what() a C string: control bytes become \xNN.
std::string one_line(std::string text) {
  const auto is_control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (std::none_of(text.begin(), text.end(), is_control)) return text;
  constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    if (!is_control(c)) {
      out += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += "\\x";
    out += hex[byte >> 4];
    out += hex[byte & 0x0f];
  }
  return out;
}

}  // namespace

void Diagnostics::error(Position at, std::string key, std::string message) {
  errors_.push_back({file_, at.line, at.column, one_line(std::move(key)), one_line(std::move(message))});
}

void Diagnostics::warning(Position at, std::string key, std::string message) {
  warnings_.push_back({file_, at.line, at.column, one_line(std::move(key)), one_line(std::move(message))});
}

bool Diagnostics::has_error_under(std::string_view key) const noexcept {
  return std::any_of(errors_.begin(), errors_.end(), [&](const ConfigDiagnostic& d) {
    const std::string_view k = d.key;
    return k == key || (k.starts_with(key) && k.size() > key.size() && (k[key.size()] == '.' || k[key.size()] == '['));
  });
}

std::vector<ConfigDiagnostic> Diagnostics::take_errors() {
  // Discovery order follows the walk of the schema, not the file; readers want file order.
  std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(errors_);
}

std::vector<std::string> Diagnostics::take_warnings() {
  std::vector<std::string> lines;
  for (const auto& w : warnings_) lines.push_back(w.to_string());
  warnings_.clear();
  return lines;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (auto candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // About one typo per three characters: "tiemout" finds "timeout", "foo" does not find "log".
  const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  if (best && best_distance > 0 && best_distance <= allowed) return best;
  // A longer or shorter spelling of a known word: "warning" → "warn", "time" → "timeout".
  for (auto candidate : candidates) {
    const auto shorter = std::min(word.size(), candidate.size());
    if (shorter >= 3 && candidate != word && (word.starts_with(candidate) || candidate.starts_with(word)))
      return candidate;
  }
  return std::nullopt;
}

std::string quoted_list(std::span<const std::string_view> items, std::string_view last_joiner) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? std::string(last_joiner) : std::string(", ");
    text += "'" + std::string(items[i]) + "'";
  }
  return text;
}

}  // namespace config
}  // namespace kda
