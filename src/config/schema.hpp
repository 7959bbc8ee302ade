#pragma once
// The one schema of the config file (STYLE principle 6). Each KeySpec row says what a key is,
// its default, its range or allowed values and what it does; the validator, the defaults, the
// binder's key lookups, docs/configuration.md and man/koodrive-audit.yaml.5 all read this table
// and nothing else.
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kda::config {

enum class Kind {
  mapping,      // keys are the rows below it
  list,         // a list of mappings; item keys are the rows below "<path>[]"
  string,       // non-empty text
  id,           // decimal digits written as a quoted string (IDs exceed 2^53)
  integer,
  number,       // decimal, fractions allowed
  boolean,      // true | false
  duration,     // "500ms", "10s", "5m", "1h", "400d"; bounds in milliseconds
  percent,      // "10%"; bounds as fractions (0.1)
  bytes,        // "8MiB"; bounds in bytes
  host_port,    // "127.0.0.1:9464", "[::1]:9464"
  url,          // http:// or https:// with a host, no credentials
  url_list,     // non-empty list of url
  file,         // a path read at load time (must be readable); relative to the config file
  path,         // a path used later; relative to the config file
  secret_file,  // a path whose content is a secret, read at load time
  secret_env,   // an environment variable whose value is a secret
  enumeration,  // one of `allowed`
  enum_set,     // list of distinct `allowed` values
  int_set,      // list of distinct integers among `allowed`
  string_map,   // mapping of text to text; keys among `allowed` when set; merged over the default
};

// Checks a text value beyond its kind; returns why it is wrong, or "" when it is fine.
using TextCheck = std::string (*)(std::string_view);

inline constexpr double unbounded = std::numeric_limits<double>::infinity();

struct KeySpec {
  std::string_view path{};           // "api.retry.attempts"; list items: "accounts[].user_id"
  Kind kind = Kind::string;
  std::string_view default_value{};  // YAML text validated like user input; "" = no default
  bool required = false;             // in a group: one member of the group is required
  double min = -unbounded;           // inclusive, in the kind's unit
  double max = unbounded;
  std::size_t min_items = 0;         // lists and sets
  std::string_view allowed{};        // "app|token"
  std::string_view when{};           // "type=webhook|alertmanager": applies only then
  std::string_view group{};          // members are mutually exclusive
  std::string_view same_as{};        // a mapping with the keys of another mapping ("auth")
  TextCheck check = nullptr;         // extra rule on text values (strings, URLs; map values)
  TextCheck key_check = nullptr;     // string_map: rule on keys
  std::string_view rule{};           // the extra rules in words, for the documentation
  std::string_view help{};
};

std::span<const KeySpec> schema();

// The row of `path` ("api.timeout", "events.sinks[].url"), or nullptr.
const KeySpec* find_key(std::string_view path);

// The rows directly below a mapping ("" for the top level) or a list's items ("accounts[]"),
// in table order.
std::vector<const KeySpec*> children_of(std::string_view path);

// The last component of a path: "events.sinks[].url" → "url".
std::string_view key_name(const KeySpec& spec);

// "app|token" → {"app", "token"}
std::vector<std::string_view> split_allowed(std::string_view allowed);

}  // namespace kda::config
