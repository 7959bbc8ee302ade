// The structural walk: mappings and lists against the schema rows, in document order, so that
// every problem is found in one pass. A key is unknown, or does not apply (an app_id under
// mode: token), or is converted (scalars.cpp); then defaults fill what is absent and the
// required and mutually exclusive keys are checked.
#include "config/checked.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace kda::config {

const Checked* Checked::child(std::string_view key) const {
  for (const auto& c : children) {
    if (c.spec != nullptr && key_name(*c.spec) == key) return &c;
  }
  return nullptr;
}

namespace {

struct Condition {
  std::string_view key;
  std::vector<std::string_view> values;
};

Condition parse_when(std::string_view when) {
  const auto eq = when.find('=');
  return {when.substr(0, eq), split_allowed(when.substr(eq + 1))};
}

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

const KeySpec* row_named(const std::vector<const KeySpec*>& rows, std::string_view name) {
  auto it = std::find_if(rows.begin(), rows.end(), [&](const KeySpec* r) { return key_name(*r) == name; });
  return it == rows.end() ? nullptr : *it;
}

// The value of `key` in a mapping node, first occurrence; an undefined node when absent.
YAML::Node lookup(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

enum class Applies { yes, no, unknown };

class Walker {
 public:
  explicit Walker(Context& context) : context_(context) {}

  // Returns false when the node is not a mapping at all (reported); problems inside it are
  // reported but do not make it false.
  bool mapping(const YAML::Node& node, Checked& out) {
    const bool empty = !node.IsDefined() || node.IsNull();
    if (!empty && !node.IsMap()) {
      error(context_.where(node), out.path, "expected a mapping, got " + describe_node(node));
      return false;
    }
    const auto rows = children_of(out.schema_path);
    const auto chosen = discriminators(empty ? YAML::Node(YAML::NodeType::Undefined) : node, rows);
    auto applies = [&](const KeySpec& row) {
      if (row.when.empty()) return Applies::yes;
      const auto condition = parse_when(row.when);
      const auto& value = chosen.at(condition.key);
      if (!value) return Applies::unknown;
      return std::find(condition.values.begin(), condition.values.end(), *value) != condition.values.end()
                 ? Applies::yes
                 : Applies::no;
    };

    std::map<std::string, Position> given;    // key → its position, non-null values only
    std::map<std::string, Position> nulls;    // key written without a value
    std::map<std::string, Position> seen;
    if (!empty) {
      for (const auto& entry : node) {
        const Position key_at = context_.where(entry.first);
        if (!entry.first.IsScalar()) {
          error(key_at, out.path, "expected a key name, got " + describe_node(entry.first));
          continue;
        }
        const std::string name = entry.first.Scalar();
        const std::string path = join_path(out.path, name);
        if (auto first = seen.find(name); first != seen.end()) {
          error(key_at, path, "duplicate key '" + name + "' (first at line " + std::to_string(first->second.line) + ")");
          continue;
        }
        seen.emplace(name, key_at);
        const KeySpec* row = row_named(rows, name);
        if (row == nullptr) {
          unknown_key(rows, applies, name, path, key_at);
          continue;
        }
        const Applies fit = applies(*row);
        if (fit == Applies::no) {
          const auto condition = parse_when(row->when);
          error(key_at, path, "'" + name + "' does not apply when " + std::string(condition.key) + " is " +
                                  *chosen.at(condition.key));
          continue;
        }
        if (fit == Applies::unknown) continue;  // its discriminator is wrong; that is reported
        if (entry.second.IsNull()) {
          nulls.emplace(name, key_at);
          continue;
        }
        given.emplace(name, key_at);
        Checked child = make_child(*row, out, name);
        child.at = context_.where(entry.second);
        child.given = true;
        if (value(entry.second, *row, child)) out.children.push_back(std::move(child));
      }
    }

    std::set<std::string_view> groups_done;
    for (const KeySpec* row : rows) {
      if (applies(*row) != Applies::yes) continue;
      const std::string name(key_name(*row));
      if (!row->group.empty()) {
        if (groups_done.insert(row->group).second) check_group(rows, applies, row->group, given, out);
        continue;
      }
      if (given.contains(name)) continue;
      if (!row->default_value.empty()) {
        fill_default(*row, out);
      } else if (row->required) {
        if (auto null = nulls.find(name); null != nulls.end())
          error(null->second, join_path(out.path, name), "missing required value");
        else
          error(out.at, join_path(out.path, name), "missing required key");
      }
    }
    return true;
  }

 private:
  void error(Position at, std::string path, std::string message) {
    context_.diagnostics.error(at, std::move(path), std::move(message));
  }

  static Checked make_child(const KeySpec& row, const Checked& parent, std::string_view name) {
    Checked child;
    child.spec = &row;
    child.path = join_path(parent.path, name);
    child.schema_path = row.same_as.empty() ? std::string(row.path) : std::string(row.same_as);
    return child;
  }

  bool value(const YAML::Node& node, const KeySpec& row, Checked& out) {
    if (row.kind == Kind::mapping) return mapping(node, out);
    if (row.kind == Kind::list) return list(node, row, out);
    out.value = convert_value(node, row, out.path, context_);
    return !std::holds_alternative<std::monostate>(out.value);
  }

  bool list(const YAML::Node& node, const KeySpec& row, Checked& out) {
    if (!node.IsSequence()) {
      error(context_.where(node), out.path, "expected a list, got " + describe_node(node));
      return false;
    }
    if (node.size() < row.min_items) {
      error(context_.where(node), out.path, "must not be empty");
      return false;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      Checked item;
      item.schema_path = std::string(row.path) + "[]";
      item.path = out.path + "[" + std::to_string(i) + "]";
      item.at = context_.where(node[i]);
      item.given = out.given;
      if (!node[i].IsMap()) {
        error(item.at, item.path, "expected a mapping, got " + describe_node(node[i]));
        continue;
      }
      if (mapping(node[i], item)) out.items.push_back(std::move(item));
    }
    return true;
  }

  void fill_default(const KeySpec& row, Checked& parent) {
    Checked child = make_child(row, parent, key_name(row));
    child.at = parent.at;
    const auto saved = context_.default_at;
    context_.default_at = parent.at;
    const bool ok = value(YAML::Load(std::string(row.default_value)), row, child);
    context_.default_at = saved;
    if (ok) parent.children.push_back(std::move(child));
  }

  // For each `when` key among the rows (mode, type): its valid value, the default when it is
  // absent, or nullopt when it is invalid (then the rows depending on it are not judged).
  static std::map<std::string_view, std::optional<std::string>> discriminators(
      const YAML::Node& node, const std::vector<const KeySpec*>& rows) {
    std::map<std::string_view, std::optional<std::string>> chosen;
    for (const KeySpec* row : rows) {
      if (row->when.empty()) continue;
      const auto key = parse_when(row->when).key;
      if (chosen.contains(key)) continue;
      const KeySpec* selector = row_named(rows, key);
      if (selector == nullptr) throw std::logic_error("schema: no row for the key of when=" + std::string(row->when));
      const auto allowed = split_allowed(selector->allowed);
      const YAML::Node value = lookup(node, key);
      std::optional<std::string> text;
      if (value.IsDefined() && value.IsScalar()) {
        if (std::find(allowed.begin(), allowed.end(), value.Scalar()) != allowed.end()) text = value.Scalar();
      } else if ((!value.IsDefined() || value.IsNull()) && !selector->default_value.empty()) {
        text = std::string(selector->default_value);
      }
      chosen.emplace(key, std::move(text));
    }
    return chosen;
  }

  template <class AppliesFn>
  void unknown_key(const std::vector<const KeySpec*>& rows, const AppliesFn& applies, const std::string& name,
                   const std::string& path, Position at) {
    std::vector<std::string_view> all;
    std::vector<std::string_view> fitting;
    for (const KeySpec* row : rows) {
      all.push_back(key_name(*row));
      if (applies(*row) != Applies::no) fitting.push_back(key_name(*row));
    }
    const auto has = [&](const std::string& key) { return std::find(all.begin(), all.end(), key) != all.end(); };
    if (has(name + "_file") && has(name + "_env")) {
      error(at, path, "secrets are never written in the config; use '" + name + "_file' or '" + name + "_env'");
      return;
    }
    std::string message = "unknown key '" + name + "'";
    if (auto near = closest(name, all)) {
      message += "; did you mean '" + std::string(*near) + "'?";
    } else {
      message += "; expected one of: ";
      for (std::size_t i = 0; i < fitting.size(); ++i) message += (i ? ", " : "") + std::string(fitting[i]);
    }
    error(at, path, message);
  }

  template <class AppliesFn>
  void check_group(const std::vector<const KeySpec*>& rows, const AppliesFn& applies, std::string_view group,
                   const std::map<std::string, Position>& given, const Checked& out) {
    std::vector<std::string_view> members;
    std::vector<std::string_view> present;
    bool required = false;
    for (const KeySpec* row : rows) {
      if (row->group != group || applies(*row) != Applies::yes) continue;
      members.push_back(key_name(*row));
      required = required || row->required;
      if (given.contains(std::string(key_name(*row)))) present.push_back(key_name(*row));
    }
    if (present.size() > 1) {
      const std::string second(present[1]);
      error(given.at(second), join_path(out.path, second),
            quoted_list(present, " and ") + " are mutually exclusive; keep one");
    } else if (present.empty() && required && members.size() == 1) {
      error(out.at, join_path(out.path, members.front()), "missing required key");
    } else if (present.empty() && required) {
      error(out.at, out.path, "missing required key: one of " + quoted_list(members));
    }
  }

  Context& context_;
};

}  // namespace

Checked validate_document(const YAML::Node& document, Context& context) {
  Checked root;
  root.at = position_of(document.Mark());
  root.given = true;
  Walker(context).mapping(document, root);
  return root;
}

}  // namespace kda::config
