// The text exposition format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
#include "koodrive_audit/metrics.hpp"

#include <charconv>
#include <cmath>

namespace kda::metrics {

namespace {

std::string_view type_name(Kind kind) {
  switch (kind) {
    case Kind::counter:
      return "counter";
    case Kind::gauge:
      return "gauge";
    case Kind::histogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes only backslash and newline; a label value also escapes the double quote.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}`, with `extra` (the histogram's le) last; "" when there are no labels.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape(values[i], true) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

}  // namespace

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Integral values up to 2^53 print without an exponent or fraction: counters read naturally.
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<std::int64_t>(value));
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;  // the shortest round-trip form of a double always fits in 64 characters
  return std::string(buffer, end);
}

std::string render(const Registry& registry) {
  std::string out;
  for (const Family& family : registry.families()) {
    out += "# HELP " + family.name() + " " + escape(family.help(), false) + "\n";
    out += "# TYPE " + family.name() + " " + std::string(type_name(family.kind())) + "\n";
    for (const auto& [values, series] : family.series()) {
      if (family.kind() != Kind::histogram) {
        out += family.name() + label_set(family.label_names(), values) + " " +
               format_number(series.value) + "\n";
        continue;
      }
      const auto& bounds = family.bucket_bounds();
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        out += family.name() + "_bucket" +
               label_set(family.label_names(), values, "le", format_number(bounds[i])) + " " +
               std::to_string(series.buckets[i]) + "\n";
      }
      out += family.name() + "_bucket" + label_set(family.label_names(), values, "le", "+Inf") +
             " " + std::to_string(series.count) + "\n";
      out += family.name() + "_sum" + label_set(family.label_names(), values) + " " +
             format_number(series.sum) + "\n";
      out += family.name() + "_count" + label_set(family.label_names(), values) + " " +
             std::to_string(series.count) + "\n";
    }
  }
  return out;
}

}  // namespace kda::metrics
