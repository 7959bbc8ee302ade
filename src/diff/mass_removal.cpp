#include "diff/audit_guards.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

namespace kda::diff_detail {

namespace {

namespace json = boost::json;

const std::string cascade_cause{to_string(ChangeType::device_removed)};

bool is_removal(const Change& change) {
  return change.type == ChangeType::device_removed || change.type == ChangeType::scope_removed;
}

// "More than threshold", so that a threshold of 100 % never fires.
bool is_mass(std::size_t removed, std::size_t live, const MassRemovalOptions& options) {
  const auto min_items = static_cast<std::size_t>(std::max(options.min_items, 1));
  return removed >= min_items &&
         static_cast<double>(removed) > options.threshold * static_cast<double>(live);
}

std::string device_name_of(const Snapshot& head, const std::string& device_id) {
  const auto row = head.devices.find(device_id);
  return row == head.devices.end() ? std::string{} : row->second.device.device_name;
}

std::string detail(const Snapshot& head, std::size_t live_scopes, const NewRemovals& held,
                   const MassRemovalOptions& options) {
  json::array devices;
  for (const std::string& id : held.devices) {
    const auto cascade = held.cascades.find(id);
    devices.push_back(json::object{
        {"device_id", id},
        {"device_name", device_name_of(head, id)},
        {"scopes", cascade == held.cascades.end() ? std::size_t{0} : cascade->second}});
  }
  std::map<PairKey, std::size_t> per_pair;
  for (const ScopeKey& key : held.direct_scopes) ++per_pair[key.pair()];
  json::array pairs;
  for (const auto& [pair, count] : per_pair) {
    json::object entry{{"device_id", pair.device_id},
                       {"device_name", device_name_of(head, pair.device_id)},
                       {"module_code", pair.module_code}};
    if (const auto name = module_name(pair.module_code)) entry["module"] = *name;
    entry["scopes"] = count;
    pairs.push_back(std::move(entry));
  }
  const json::object object{
      {"held_scope_removals", held.scope_count()},
      {"held_device_removals", held.devices.size()},
      {"live_scopes", live_scopes},
      {"live_devices", head.devices.size()},
      {"threshold", options.threshold},
      {"min_items", options.min_items},
      {"devices", std::move(devices)},
      {"pairs", std::move(pairs)},
  };
  return json::serialize(object);
}

}  // namespace

std::size_t NewRemovals::scope_count() const {
  std::size_t n = direct_scopes.size();
  for (const auto& [device, count] : cascades) n += count;
  return n;
}

std::optional<Change> hold_mass_removal(const Snapshot& head, std::size_t live_scopes,
                                        const NewRemovals& held, DiffResult& result,
                                        const MassRemovalOptions& options) {
  if (!is_mass(held.scope_count(), live_scopes, options) &&
      !is_mass(held.devices.size(), head.devices.size(), options)) {
    return std::nullopt;
  }
  std::erase_if(result.changes, [&](const Change& change) {
    if (!is_removal(change)) return false;
    if (change.type == ChangeType::device_removed) return held.devices.contains(change.device_id);
    if (change.cause == cascade_cause) return held.devices.contains(change.device_id);
    return change.module_code &&
           held.direct_scopes.contains({change.device_id, *change.module_code, change.scope_id});
  });
  for (DeviceWrite& write : result.device_writes) {
    if (write.kind == RowWrite::removed && held.devices.contains(write.device.device_id)) {
      write.kind = RowWrite::missing;
    }
  }
  // A held device's scopes were not missed by any fetch of theirs: they stay as they are.
  std::erase_if(result.scope_writes, [&](const ScopeWrite& write) {
    return write.kind == RowWrite::removed && held.devices.contains(write.device_id);
  });
  for (ScopeWrite& write : result.scope_writes) {
    if (write.kind == RowWrite::removed &&
        held.direct_scopes.contains({write.device_id, write.scope.module_code, write.scope.scope_id})) {
      write.kind = RowWrite::missing;
    }
  }
  result.held_scope_removals = held.scope_count();
  result.held_device_removals = held.devices.size();

  Change suspect;
  suspect.type = ChangeType::suspect_mass_removal;
  suspect.after = AuditDetail{detail(head, live_scopes, held, options)};
  return suspect;
}

}  // namespace kda::diff_detail
