#include "store/replay.hpp"

#include "koodrive_audit/event_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <set>
#include <utility>

namespace kda::store {

namespace {

namespace json = boost::json;

// A field as printed in a problem: text quoted (and escaped) as JSON, numbers bare.
using Fields = std::vector<std::pair<std::string_view, std::string>>;

std::string json_quoted(std::string_view text) { return json::serialize(text); }

Fields fields_of(const Device& d) {
  return {{"device_id", json_quoted(d.device_id)},
          {"machine_code", json_quoted(d.machine_code)},
          {"device_name", json_quoted(d.device_name)},
          {"device_os", json_quoted(d.device_os)},
          {"create_time", json_quoted(d.create_time)}};
}

Fields fields_of(const Scope& s) {
  return {{"scope_id", json_quoted(s.scope_id)},
          {"module_code", std::to_string(s.module_code)},
          {"local_path", json_quoted(s.local_path)},
          {"target_folder_path", json_quoted(s.target_folder_path)},
          {"create_time", json_quoted(s.create_time)}};
}

// "device_name \"Laptop\" in the history, \"Evil\" in devices; …": every field that differs.
template <class Item>
std::string differences(const Item& history, const Item& other, std::string_view other_label) {
  const Fields a = fields_of(history);
  const Fields b = fields_of(other);
  std::string out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].second == b[i].second) continue;
    if (!out.empty()) out += "; ";
    out += std::string(a[i].first) + " " + a[i].second + " in the history, " + b[i].second + " " +
           std::string(other_label);
  }
  return out;
}

std::string device_label(const std::string& account_id, const std::string& device_id) {
  return "device " + account_id + "/" + device_id;
}

std::string scope_label(const std::string& account_id, const ScopeKey& key) {
  return "scope " + account_id + "/" + key.device_id + "/" + std::to_string(key.module_code) +
         "/" + key.scope_id;
}

// Where an event's record must agree with the row's identity columns.
std::string identity_mismatch(const Device& d, const ReplayEvent& e) {
  if (d.device_id == e.device_id) return {};
  return "names device " + d.device_id + ", not the row's device_id " + e.device_id;
}

std::string identity_mismatch(const Scope& s, const ReplayEvent& e) {
  if (s.scope_id == e.scope_id && e.module_code && s.module_code == *e.module_code) return {};
  return "names scope " + std::to_string(s.module_code) + "/" + s.scope_id +
         ", not the row's module_code/scope_id " +
         (e.module_code ? std::to_string(*e.module_code) : std::string("NULL")) + "/" +
         e.scope_id;
}

enum class Op { added, changed, removed };

Op op_of(ChangeType type) {
  switch (type) {
    case ChangeType::device_added:
    case ChangeType::scope_added:
      return Op::added;
    case ChangeType::device_removed:
    case ChangeType::scope_removed:
      return Op::removed;
    default:
      return Op::changed;
  }
}

// One device.* or scope.* event applied to the items of one kind.
template <class Item, class Key>
void apply_change(Op op, const Key& key, const std::string& label, const ReplayEvent& e,
                  const Record& before, const Record& after, std::map<Key, Item>& held,
                  const std::function<void(std::string)>& problem) {
  const Item* old_item = std::get_if<Item>(&before);
  const Item* new_item = std::get_if<Item>(&after);
  const bool before_fits = op == Op::added ? std::holds_alternative<std::monostate>(before)
                                           : old_item != nullptr;
  const bool after_fits = op == Op::removed ? std::holds_alternative<std::monostate>(after)
                                            : new_item != nullptr;
  if (!before_fits || !after_fits) {
    problem(std::string(!before_fits ? "before_json" : "after_json") + " does not fit a " +
            e.type + " event of " + label);
    return;
  }
  for (const auto& [item, column] : {std::pair{old_item, "before_json"}, std::pair{new_item, "after_json"}}) {
    if (item == nullptr) continue;
    if (std::string wrong = identity_mismatch(*item, e); !wrong.empty()) {
      problem(std::string(column) + " " + wrong);
      return;
    }
  }
  const auto it = held.find(key);
  if (op == Op::added) {
    if (it != held.end()) problem(label + " is added, but the history already holds it");
    held.insert_or_assign(key, *new_item);
    return;
  }
  if (it == held.end()) {
    problem(label + " is not in the history at this point");
  } else if (it->second != *old_item) {
    problem("before_json differs from the history of " + label + ": " +
            differences(it->second, *old_item, "in before_json"));
  }
  if (op == Op::removed) {
    held.erase(key);
  } else {
    held.insert_or_assign(key, *new_item);
  }
}

template <class Item, class Key>
void compare_kind(const std::string& account_id, const std::map<Key, Item>& replayed,
                  const std::map<Key, Item>& live, std::string_view table,
                  const std::function<std::string(const std::string&, const Key&)>& label_of,
                  std::int64_t& matched, std::vector<VerifyProblem>& problems) {
  auto r = replayed.begin();
  auto l = live.begin();
  while (r != replayed.end() || l != live.end()) {
    if (l == live.end() || (r != replayed.end() && r->first < l->first)) {
      problems.push_back({label_of(account_id, r->first) +
                              ": the history says it exists, but " + std::string(table) +
                              " has no live row for it (removed_at set, or the row is gone)",
                          {}, {}});
      ++r;
    } else if (r == replayed.end() || l->first < r->first) {
      problems.push_back({label_of(account_id, l->first) + ": live in " + std::string(table) +
                              ", but no event or baseline in the history records it",
                          {}, {}});
      ++l;
    } else {
      if (r->second == l->second) {
        ++matched;
      } else {
        problems.push_back({label_of(account_id, l->first) + ": " +
                                differences(r->second, l->second, "in " + std::string(table)),
                            {}, {}});
      }
      ++r;
      ++l;
    }
  }
}

}  // namespace

void Replay::apply(const ReplayBaseline& b, std::vector<VerifyProblem>& problems) {
  const std::string where = "baseline " + std::to_string(b.baseline_id);
  const auto problem = [&](const std::string& text) {
    problems.push_back({where + ": " + text, {}, b.baseline_id});
  };
  boost::system::error_code ec;
  const json::value parsed = json::parse(b.records_json, ec);
  if (ec || !parsed.is_array()) {
    problem("records_json is not a JSON array");
    return;
  }
  AccountItems& items = items_[b.account_id];
  const bool device_list = b.device_id.empty();
  if (!device_list && !b.module_code) {
    problem("names a device but no module_code");
    return;
  }
  for (const json::value& element : parsed.get_array()) {
    const std::optional<Record> record = record_from_json(json::serialize(element));
    if (device_list) {
      const Device* device = record ? std::get_if<Device>(&*record) : nullptr;
      if (device == nullptr) {
        problem("records_json holds something other than a device record");
        continue;
      }
      if (items.devices.contains(device->device_id)) {
        problem("records " + device_label(b.account_id, device->device_id) +
                ", which the history already holds");
      }
      items.devices.insert_or_assign(device->device_id, *device);
    } else {
      const Scope* scope = record ? std::get_if<Scope>(&*record) : nullptr;
      if (scope == nullptr || scope->module_code != *b.module_code) {
        problem("records_json holds something other than a scope record of module " +
                std::to_string(*b.module_code));
        continue;
      }
      const ScopeKey key{b.device_id, scope->module_code, scope->scope_id};
      if (items.scopes.contains(key)) {
        problem("records " + scope_label(b.account_id, key) + ", which the history already holds");
      }
      items.scopes.insert_or_assign(key, *scope);
    }
  }
}

bool Replay::apply(const ReplayEvent& e, std::vector<VerifyProblem>& problems) {
  const std::string where = "seq " + std::to_string(e.seq) + " (" + e.type + ")";
  const std::function<void(std::string)> problem = [&](const std::string& text) {
    problems.push_back({where + ": " + text, e.seq, {}});
  };
  const std::optional<ChangeType> type = change_type_from_string(e.type);
  if (!type) {
    problem("unknown event type");
    return false;
  }
  if (!is_configuration_change(*type)) return false;
  const std::optional<Record> before = record_from_json(e.before_json);
  const std::optional<Record> after = record_from_json(e.after_json);
  if (!before || !after) {
    problem(std::string(!before ? "before_json" : "after_json") + " is not a record");
    return true;
  }
  AccountItems& items = items_[e.account_id];
  const Op op = op_of(*type);
  if (e.type.starts_with("device.")) {
    apply_change(op, e.device_id, device_label(e.account_id, e.device_id), e, *before, *after,
                 items.devices, problem);
  } else {
    if (!e.module_code) {
      problem("a scope event without module_code");
      return true;
    }
    const ScopeKey key{e.device_id, *e.module_code, e.scope_id};
    apply_change(op, key, scope_label(e.account_id, key), e, *before, *after, items.scopes,
                 problem);
  }
  return true;
}

Comparison compare(const Items& replayed, const Items& live) {
  Comparison result;
  std::set<std::string> accounts;
  for (const auto& [id, items] : replayed) accounts.insert(id);
  for (const auto& [id, items] : live) accounts.insert(id);
  const AccountItems none;
  for (const std::string& account_id : accounts) {
    const auto r = replayed.find(account_id);
    const auto l = live.find(account_id);
    const AccountItems& history = r == replayed.end() ? none : r->second;
    const AccountItems& tables = l == live.end() ? none : l->second;
    compare_kind<Device, std::string>(account_id, history.devices, tables.devices, "devices",
                                      device_label, result.devices, result.problems);
    compare_kind<Scope, ScopeKey>(account_id, history.scopes, tables.scopes, "scopes",
                                  scope_label, result.scopes, result.problems);
  }
  return result;
}

}  // namespace kda::store
