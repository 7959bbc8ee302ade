// The reference parts of docs/configuration.md and man/koodrive-audit.yaml.5, generated from the
// schema table so that the documentation cannot drift from what the loader accepts (unit tests
// compare them with the checked-in files).
#include "config/checked.hpp"
#include "config/schema.hpp"
#include "koodrive_audit/config.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <utility>

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

// "Only when `mode` is `app`.", or "" for a key that always applies.
std::string condition(const KeySpec& spec) {
  if (spec.when.empty()) return "";
  const auto eq = spec.when.find('=');
  return "Only when `" + std::string(spec.when.substr(0, eq)) + "` is " + code_list(spec.when.substr(eq + 1)) + ".";
}

std::string description_cell(const KeySpec& spec) {
  const std::string when = condition(spec);
  return (when.empty() ? "" : "*" + when + "* ") + std::string(spec.help);
}

// The non-ASCII characters of the cells as troff glyphs, which render on an ASCII terminal too.
constexpr std::pair<std::string_view, std::string_view> troff_glyphs[] = {
    {"…", "..."}, {"≥", "\\(>="}, {"≤", "\\(<="}, {"—", "\\(em"}};

// One troff text line from the Markdown-flavoured text of the cells: code spans in bold; a
// backslash and a leading '.' or '\'' escaped, so that troff reads no escape or request in them.
std::string troff_line(std::string_view text) {
  std::string out;
  bool code = false;
  while (!text.empty()) {
    const char c = text.front();
    const auto glyph = std::find_if(std::begin(troff_glyphs), std::end(troff_glyphs),
                                    [&](const auto& g) { return text.starts_with(g.first); });
    if (glyph != std::end(troff_glyphs)) {
      out += glyph->second;
      text.remove_prefix(glyph->first.size());
      continue;
    }
    if (c == '`') {
      out += code ? "\\fR" : "\\fB";
      code = !code;
    } else if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";  // a minus, not a hyphen: a URL or value copied from the page stays ASCII
    } else {
      out += c == '\n' ? ' ' : c;
    }
    text.remove_prefix(1);
  }
  if (code) out += "\\fR";
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out + '\n';
}

// "integer; default `8`; 1 … 1024": the table's type, default and allowed cells on one line.
std::string man_summary(const KeySpec& spec) {
  std::string out(type_name(spec.kind));
  const std::string fallback = default_cell(spec);
  if (fallback.starts_with("required")) out += "; " + fallback;
  else if (fallback != "—") out += "; default " + fallback;
  if (const std::string allowed = allowed_cell(spec); allowed != "—") out += "; " + allowed;
  return out;
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

std::string config_reference_man() {
  std::string out =
      ".\\\" Generated from src/config/schema.cpp by kda::config_reference_man(); do not edit by hand.\n";
  std::string_view section;
  for (const KeySpec& spec : config::schema()) {
    const auto top = spec.path.substr(0, spec.path.find_first_of(".["));
    if (top != section) {
      section = top;
      out += ".SS " + std::string(top) + "\n";
    }
    out += ".TP\n.B " + std::string(spec.path) + "\n";
    out += troff_line(man_summary(spec));
    out += ".br\n";
    const std::string when = condition(spec);
    out += troff_line((when.empty() ? "" : when + " ") + std::string(spec.help));
  }
  return out;
}

}  // namespace kda
