#pragma once
// The config file after validation against the schema: a tree of Checked nodes, one per key
// that has a valid value (written in the file, or the schema's default). Values are already
// converted (durations, percentages, absolute paths, secrets read). The binder turns this tree
// into a kda::Config; it never sees YAML.
#include "config/diagnostics.hpp"
#include "config/schema.hpp"
#include "koodrive_audit/config.hpp"

#include <yaml-cpp/node/node.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kda::config {

using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string, Duration,
                           HostPort, Secret, std::vector<std::string>, std::vector<std::int64_t>,
                           std::map<std::string, std::string>>;

struct Checked {
  const KeySpec* spec = nullptr;  // nullptr for the top level and for list items
  std::string schema_path;        // a mapping's rows are children_of(schema_path)
  std::string path;               // as printed: "events.sinks[1].url"
  Position at;                    // the value's position; for a default, its parent's
  bool given = false;             // written in the file
  Value value;                    // scalars, sets and maps
  std::vector<Checked> children;  // mappings: one per key with a valid value
  std::vector<Checked> items;     // lists

  const Checked* child(std::string_view key) const;
};

// Shared by the structural walk (validate.cpp) and the value conversions (scalars.cpp).
struct Context {
  Diagnostics& diagnostics;
  std::filesystem::path base_dir;       // relative paths resolve against it
  std::optional<Position> default_at;   // set while a default is converted: report there

  Position where(const YAML::Node& node) const;
};

// Validates a whole document (a null node for an empty file). Problems go to diagnostics.
Checked validate_document(const YAML::Node& document, Context& context);

// Converts a node of a non-structural kind (not mapping, not list). Returns monostate when it is
// invalid, after reporting why.
Value convert_value(const YAML::Node& node, const KeySpec& spec, const std::string& path, Context& context);

// "a mapping", "a list", "'text'": what a node is, for "expected X, got Y".
std::string describe_node(const YAML::Node& node);

// A bound in the kind's text form: 1000 ms → "1s", 0.5 → "50%", 8388608 → "8MiB".
std::string format_bound(Kind kind, double value);

// "must be between 1 and 1024", "must be at least 1s"; "" when unbounded.
std::string range_phrase(const KeySpec& spec);

}  // namespace kda::config
