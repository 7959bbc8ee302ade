// Conversion of one value of a non-structural kind, with the messages users read when it is
// wrong. Messages quote what was written, never a secret (secrets are never written inline).
#include "config/checked.hpp"
#include "config/checks.hpp"
#include "config/secrets.hpp"
#include "config/units.hpp"

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>

namespace kda::config {

Position Context::where(const YAML::Node& node) const {
  return default_at ? *default_at : position_of(node.Mark());
}

std::string describe_node(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return "'" + node.Scalar() + "'";
}

std::string format_bound(Kind kind, double value) {
  switch (kind) {
    case Kind::duration: return format_duration(Duration{static_cast<std::int64_t>(value)});
    case Kind::percent: return format_percent(value);
    case Kind::bytes: return format_bytes(static_cast<std::uint64_t>(value));
    default: return format_number(value);
  }
}

std::string range_phrase(const KeySpec& spec) {
  const bool low = std::isfinite(spec.min);
  const bool high = std::isfinite(spec.max);
  if (low && high)
    return "must be between " + format_bound(spec.kind, spec.min) + " and " + format_bound(spec.kind, spec.max);
  if (low) return "must be at least " + format_bound(spec.kind, spec.min);
  if (high) return "must be at most " + format_bound(spec.kind, spec.max);
  return {};
}

namespace {

bool is_plain(const YAML::Node& node) { return node.Tag() == "?"; }

// What was written, telling a quoted "8" apart from a plain 8.
std::string got_phrase(const YAML::Node& node) {
  if (node.IsScalar() && !is_plain(node)) return "the string \"" + node.Scalar() + "\"";
  return describe_node(node);
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string expected_phrase(Kind kind) {
  switch (kind) {
    case Kind::string: return "a string";
    case Kind::id: return "a quoted string of decimal digits";
    case Kind::integer: return "an integer";
    case Kind::number: return "a number";
    case Kind::boolean: return "true or false";
    case Kind::duration: return "a duration such as 500ms, 10s, 5m, 1h or 400d";
    case Kind::percent: return "a percentage such as 10%";
    case Kind::bytes: return "a size such as 512KiB, 8MiB or 1GiB";
    case Kind::host_port: return "host:port such as 127.0.0.1:9464 or [::1]:9464";
    case Kind::url: return "an http:// or https:// URL";
    case Kind::file:
    case Kind::path:
    case Kind::secret_file: return "a file path";
    case Kind::secret_env: return "an environment variable name";
    case Kind::enumeration: return "one of the allowed values";
    case Kind::mapping:
    case Kind::string_map: return "a mapping";
    case Kind::list:
    case Kind::url_list:
    case Kind::enum_set:
    case Kind::int_set: return "a list";
  }
  return "a value";
}

class Converter {
 public:
  Converter(const KeySpec& spec, const std::string& path, Context& context)
      : spec_(spec), path_(path), context_(context) {}

  Value convert(const YAML::Node& node) {
    switch (spec_.kind) {
      case Kind::enum_set: return enum_set(node);
      case Kind::int_set: return int_set(node);
      case Kind::url_list: return url_list(node);
      case Kind::string_map: return string_map(node);
      default: return scalar(node, path_);
    }
  }

 private:
  Value fail(const YAML::Node& node, const std::string& path, std::string message) {
    context_.diagnostics.error(context_.where(node), path, std::move(message));
    return {};
  }

  Value expected(const YAML::Node& node, const std::string& path) {
    return fail(node, path, "expected " + expected_phrase(spec_.kind) + ", got " + got_phrase(node));
  }

  template <class T>
  Value bounded(const YAML::Node& node, const std::string& path, double value, T result) {
    if (value < spec_.min || value > spec_.max)
      return fail(node, path, node.Scalar() + " is out of range; " + range_phrase(spec_));
    return result;
  }

  std::string resolve(std::string_view text) const {
    std::filesystem::path p(text);
    if (p.is_relative()) p = context_.base_dir / p;
    return p.lexically_normal().string();
  }

  Value scalar(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) return expected(node, path);
    const std::string& text = node.Scalar();
    const bool plain = is_plain(node);
    switch (spec_.kind) {
      case Kind::string:
      case Kind::url:
      case Kind::url_list: {
        if (text.empty()) return fail(node, path, "must not be empty");
        std::string why = spec_.kind == Kind::string ? std::string{} : check_http_url(text);
        if (why.empty() && spec_.check != nullptr) why = spec_.check(text);
        if (!why.empty()) return fail(node, path, why);
        return text;
      }
      case Kind::id:
        if (plain && all_digits(text))
          return fail(node, path, "expected a quoted string, got the number " + text + "; write \"" + text +
                                      "\" (IDs exceed 2^53 and would lose digits as numbers)");
        if (!all_digits(text) || text.size() > 32)
          return fail(node, path, "'" + text + "' is not an ID; expected up to 32 decimal digits");
        return text;
      case Kind::integer: {
        std::int64_t value = 0;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (!plain || text.empty() || ptr != end || ec == std::errc::invalid_argument)
          return expected(node, path);
        if (ec == std::errc::result_out_of_range)
          return fail(node, path, text + " is out of range; " + range_phrase(spec_));
        return bounded(node, path, static_cast<double>(value), value);
      }
      case Kind::number: {
        auto value = plain ? parse_number(text) : std::nullopt;
        if (!value) return expected(node, path);
        return bounded(node, path, *value, *value);
      }
      case Kind::boolean:
        if (plain && (text == "true" || text == "True" || text == "TRUE")) return true;
        if (plain && (text == "false" || text == "False" || text == "FALSE")) return false;
        return expected(node, path);
      case Kind::duration: {
        auto value = parse_duration(text);
        if (!value && all_digits(text))
          return fail(node, path, "'" + text + "' has no unit; write e.g. " + text + "s or " + text +
                                      "ms (units: ms, s, m, h, d)");
        if (!value) return expected(node, path);
        return bounded(node, path, static_cast<double>(value->count()), *value);
      }
      case Kind::percent: {
        auto value = parse_percent(text);
        if (!value) return expected(node, path);
        return bounded(node, path, *value, *value);
      }
      case Kind::bytes: {
        auto value = parse_bytes(text);
        if (!value) return expected(node, path);
        return bounded(node, path, static_cast<double>(*value), static_cast<std::int64_t>(*value));
      }
      case Kind::host_port: {
        std::string why;
        auto value = parse_host_port(text, why);
        if (!value) return fail(node, path, why + " (got '" + text + "')");
        return *value;
      }
      case Kind::file:
      case Kind::path:
      case Kind::secret_file: {
        if (text.empty()) return fail(node, path, "must not be empty");
        if (text.starts_with('~'))
          return fail(node, path, "'~' is not expanded; write the full path");
        return spec_.kind == Kind::path ? Value{resolve(text)} : read(node, path, resolve(text));
      }
      case Kind::secret_env: {
        if (!is_env_name(text)) return fail(node, path, "'" + text + "' is not an environment variable name");
        return secret(node, path, read_secret_env(text));
      }
      case Kind::enumeration: return one_of(node, path);
      default: return expected(node, path);
    }
  }

  // A file kind that is read now: a secret, or a file that must merely be readable.
  Value read(const YAML::Node& node, const std::string& path, const std::string& file) {
    if (spec_.kind == Kind::secret_file) return secret(node, path, read_secret_file(file));
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return fail(node, path, "cannot read " + file + ": " + std::strerror(errno));
    struct stat info {};
    const bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    ::close(fd);
    if (!regular) return fail(node, path, "cannot read " + file + ": not a regular file");
    return file;
  }

  Value secret(const YAML::Node& node, const std::string& path, SecretRead read) {
    if (!read.secret) return fail(node, path, std::move(read.error));
    if (!read.warning.empty()) context_.diagnostics.warning(context_.where(node), path, std::move(read.warning));
    return std::move(*read.secret);
  }

  Value one_of(const YAML::Node& node, const std::string& path) {
    const auto allowed = split_allowed(spec_.allowed);
    const std::string& text = node.Scalar();
    if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return text;
    std::string message = "'" + text + "' is not one of: ";
    for (std::size_t i = 0; i < allowed.size(); ++i) message += (i ? ", " : "") + std::string(allowed[i]);
    if (auto near = closest(text, allowed)) message += "; did you mean '" + std::string(*near) + "'?";
    return fail(node, path, message);
  }

  // Shared by the list kinds: a list, long enough, each item converted, no repeats.
  template <class T, class Item>
  Value items(const YAML::Node& node, Item convert_item) {
    if (!node.IsSequence()) return expected(node, path_);
    if (node.size() < spec_.min_items) return fail(node, path_, "must not be empty");
    std::vector<T> values;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = path_ + "[" + std::to_string(i) + "]";
      Value value = convert_item(node[i], item_path);
      const T* item = std::get_if<T>(&value);
      if (item == nullptr) {
        ok = false;
      } else if (std::find(values.begin(), values.end(), *item) != values.end()) {
        fail(node[i], item_path, node[i].Scalar() + " is listed twice");
        ok = false;
      } else {
        values.push_back(*item);
      }
    }
    return ok ? Value{std::move(values)} : Value{};
  }

  Value enum_set(const YAML::Node& node) {
    return items<std::string>(node, [&](const YAML::Node& item, const std::string& path) {
      return item.IsScalar() ? one_of(item, path) : expected(item, path);
    });
  }

  Value int_set(const YAML::Node& node) {
    return items<std::int64_t>(node, [&](const YAML::Node& item, const std::string& path) -> Value {
      const auto allowed = split_allowed(spec_.allowed);
      const std::string text = item.IsScalar() ? item.Scalar() : std::string{};
      if (!item.IsScalar() || !is_plain(item) || !all_digits(text) || text.size() > 9)
        return fail(item, path, "expected an integer, got " + got_phrase(item));
      if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
        std::string message = text + " is not one of: ";
        for (std::size_t i = 0; i < allowed.size(); ++i) message += (i ? ", " : "") + std::string(allowed[i]);
        return fail(item, path, message);
      }
      return std::int64_t{std::stoll(text)};
    });
  }

  Value url_list(const YAML::Node& node) {
    return items<std::string>(node, [&](const YAML::Node& item, const std::string& path) {
      return scalar(item, path);
    });
  }

  Value string_map(const YAML::Node& node) {
    if (!node.IsMap()) return expected(node, path_);
    std::map<std::string, std::string> values;
    if (!context_.default_at && !spec_.default_value.empty()) {
      // Entries given replace the default's entries one by one; the rest stay.
      for (const auto& entry : YAML::Load(std::string(spec_.default_value)))
        values[entry.first.Scalar()] = entry.second.Scalar();
    }
    const auto allowed = split_allowed(spec_.allowed);
    std::set<std::string> seen;
    bool ok = true;
    for (const auto& entry : node) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string{};
      const std::string path = path_ + "[" + key + "]";
      std::string why;
      if (!entry.first.IsScalar() || key.empty()) {
        why = "expected a name, got " + describe_node(entry.first);
      } else if (!seen.insert(key).second) {
        why = "duplicate key '" + key + "'";
      } else if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        why = "'" + key + "' is not an event type";
        if (auto near = closest(key, allowed)) why += "; did you mean '" + std::string(*near) + "'?";
      } else if (spec_.key_check != nullptr) {
        why = spec_.key_check(key);
      }
      if (!why.empty()) {
        fail(entry.first, path, why);
        ok = false;
        continue;
      }
      if (!entry.second.IsScalar() || entry.second.Scalar().empty()) {
        fail(entry.second.IsNull() ? entry.first : entry.second, path,
             "expected a non-empty string, got " + describe_node(entry.second));
        ok = false;
        continue;
      }
      if (spec_.check != nullptr) why = spec_.check(entry.second.Scalar());
      if (!why.empty()) {
        fail(entry.second, path, why);
        ok = false;
        continue;
      }
      values[key] = entry.second.Scalar();
    }
    return ok ? Value{std::move(values)} : Value{};
  }

  const KeySpec& spec_;
  const std::string& path_;
  Context& context_;
};

}  // namespace

Value convert_value(const YAML::Node& node, const KeySpec& spec, const std::string& path, Context& context) {
  return Converter(spec, path, context).convert(node);
}

}  // namespace kda::config
