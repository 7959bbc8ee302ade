// The reference part of docs/configuration.md, generated from the schema table so that the
// documentation cannot drift from what the loader accepts (a unit test compares the two).
#include "config/checked.hpp"
#include "config/schema.hpp"
#include "koodrive_audit/config.hpp"

#include <cmath>
#include <string>

namespace kda {

namespace {

using config::Kind;
using config::KeySpec;

std::string_view type_name(Kind kind) {
  switch (kind) {
    case Kind::mapping: return "mapping";
    case Kind::list: return "list of mappings";
    case Kind::string: return "string";
    case Kind::id: return "quoted digits";
    case Kind::integer: return "integer";
    case Kind::number: return "number";
    case Kind::boolean: return "boolean";
    case Kind::duration: return "duration";
    case Kind::percent: return "percentage";
    case Kind::bytes: return "size";
    case Kind::host_port: return "host:port";
    case Kind::url: return "URL";
    case Kind::url_list: return "list of URLs";
    case Kind::file: return "path (read at load)";
    case Kind::path: return "path";
    case Kind::secret_file: return "secret file path";
    case Kind::secret_env: return "variable name";
    case Kind::enumeration: return "one of";
    case Kind::enum_set: return "list, each one of";
    case Kind::int_set: return "list of integers";
    case Kind::string_map: return "mapping of strings";
  }
  return "value";
}

// Table cells hold no '|' and no line break.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string code_list(std::string_view allowed) {
  std::string out;
  for (auto value : config::split_allowed(allowed)) out += (out.empty() ? "`" : ", `") + std::string(value) + "`";
  return out;
}

std::string default_cell(const KeySpec& spec) {
  if (spec.kind == Kind::mapping && spec.default_value == "{}") return "—";
  if (!spec.default_value.empty()) return "`" + std::string(spec.default_value) + "`";
  if (!spec.required) return "—";
  if (spec.group.empty()) return "required";
  // "required; or `app_secret_env`": the other members of its group.
  const auto parent = spec.path.substr(0, spec.path.rfind('.'));
  std::string others;
  for (const KeySpec* sibling : config::children_of(parent)) {
    if (sibling != &spec && sibling->group == spec.group)
      others += (others.empty() ? "`" : ", `") + std::string(config::key_name(*sibling)) + "`";
  }
  return others.empty() ? "required" : "required: this or " + others;
}

std::string allowed_cell(const KeySpec& spec) {
  std::string out;
  auto add = [&](const std::string& part) {
    if (!part.empty()) out += (out.empty() ? "" : "; ") + part;
  };
  const bool low = std::isfinite(spec.min);
  const bool high = std::isfinite(spec.max);
  if (low && high) add(config::format_bound(spec.kind, spec.min) + " … " + config::format_bound(spec.kind, spec.max));
  else if (low) add("≥ " + config::format_bound(spec.kind, spec.min));
  else if (high) add("≤ " + config::format_bound(spec.kind, spec.max));
  if (!spec.allowed.empty()) add((spec.kind == Kind::string_map ? "keys: " : "") + code_list(spec.allowed));
  if (spec.min_items > 0) add("not empty");
  add(std::string(spec.rule));
  return out.empty() ? "—" : out;
}

std::string description_cell(const KeySpec& spec) {
  std::string out;
  if (!spec.when.empty()) {
    const auto eq = spec.when.find('=');
    out = "*Only when `" + std::string(spec.when.substr(0, eq)) + "` is " + code_list(spec.when.substr(eq + 1)) + ".* ";
  }
  return out + std::string(spec.help);
}

}  // namespace

std::string config_reference_markdown() {
  std::string out =
      "<!-- Generated from src/config/schema.cpp by kda::config_reference_markdown(); do not edit by hand. -->\n";
  std::string_view section;
  for (const KeySpec& spec : config::schema()) {
    const auto top = spec.path.substr(0, spec.path.find_first_of(".["));
    if (top != section) {
      section = top;
      out += "\n### `" + std::string(top) + "`\n\n";
      out += "| Key | Type | Default | Allowed | Description |\n";
      out += "|---|---|---|---|---|\n";
    }
    out += "| `" + std::string(spec.path) + "` | " + std::string(type_name(spec.kind)) + " | " +
           cell(default_cell(spec)) + " | " + cell(allowed_cell(spec)) + " | " + cell(description_cell(spec)) +
           " |\n";
  }
  return out;
}

}  // namespace kda
