#include "koodrive_audit/diff.hpp"

#include "diff/audit_guards.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace kda {

namespace {

using ObservedDevices = std::map<std::string, const Device*>;           // by device_id
using SuccessfulFetches = std::map<PairKey, const std::vector<Scope>*>;  // by pair

// What missing from one more successful fetch means for a stored row.
struct Absence {
  int missing_count = 0;
  bool confirmed = false;
};

Absence absence(int stored_missing_count, int confirm_removals) {
  // A corrupt counter must not overflow or stop counting: saturate, and count a negative from 0.
  const int stored = std::max(stored_missing_count, 0);
  const int count = stored == INT_MAX ? stored : stored + 1;
  return {count, count >= confirm_removals};
}

Change device_change(ChangeType type, const Device& latest, Record before, Record after) {
  Change change;
  change.type = type;
  change.device_id = latest.device_id;
  change.device_name = latest.device_name;
  change.before = std::move(before);
  change.after = std::move(after);
  return change;
}

Change scope_change(ChangeType type, const std::string& device_id, const std::string& device_name,
                    const Scope& scope, Record before, Record after, std::string cause = {}) {
  Change change;
  change.type = type;
  change.device_id = device_id;
  change.device_name = device_name;
  change.module_code = scope.module_code;
  change.scope_id = scope.scope_id;
  change.before = std::move(before);
  change.after = std::move(after);
  change.cause = std::move(cause);
  return change;
}

// A decoder should never list a device twice; if it does, the first entry is the one we trust,
// so that the result does not depend on which duplicate a map happened to keep.
ObservedDevices index_devices(const std::vector<Device>& devices) {
  ObservedDevices observed;
  for (const Device& device : devices) observed.try_emplace(device.device_id, &device);
  return observed;
}

// Only fetches of listed devices count: a scope list of a device the account no longer lists
// (or has not listed yet) cannot be placed in the snapshot consistently. A failed first fetch
// of a pair shadows a later successful one, so a duplicate can never turn failure into data.
SuccessfulFetches successful_fetches(const std::vector<ScopeFetch>& fetches,
                                     const ObservedDevices& observed) {
  std::map<PairKey, const ScopeFetch*> first;
  for (const ScopeFetch& fetch : fetches) {
    if (observed.contains(fetch.pair.device_id)) first.try_emplace(fetch.pair, &fetch);
  }
  SuccessfulFetches successful;
  for (const auto& [pair, fetch] : first) {
    if (const auto* scopes = std::get_if<std::vector<Scope>>(&fetch->result)) {
      successful.emplace(pair, scopes);
    }
  }
  return successful;
}

// Rule 4: the device's live scopes go with it, in (module_code, scope_id) order, and keep their
// own missing_count since no scope fetch missed them.
void cascade_removal(const Snapshot& before, const Device& device, DiffResult& result) {
  for (auto it = before.scopes.lower_bound(ScopeKey{device.device_id, INT_MIN, {}});
       it != before.scopes.end() && it->first.device_id == device.device_id; ++it) {
    const ScopeRow& row = it->second;
    result.changes.push_back(scope_change(ChangeType::scope_removed, device.device_id,
                                          device.device_name, row.scope, row.scope, {},
                                          std::string{to_string(ChangeType::device_removed)}));
    result.scope_writes.push_back(
        {RowWrite::removed, device.device_id, row.scope, row.missing_count});
  }
}

// Returns the devices announced with device.added: all their scopes are news, never a baseline.
std::set<std::string> diff_devices(const Snapshot& before, const ObservedDevices& observed,
                                   const DiffOptions& options, int confirm_removals,
                                   DiffResult& result) {
  const bool silent_first_list =
      !before.device_list_fetched_before && options.baseline == BaselineMode::silent;
  std::set<std::string> ids;
  for (const auto& [id, row] : before.devices) ids.insert(id);
  for (const auto& [id, device] : observed) ids.insert(id);

  std::set<std::string> announced;
  for (const std::string& id : ids) {
    const auto stored = before.devices.find(id);
    const auto seen = observed.find(id);
    if (stored == before.devices.end()) {
      const Device& device = *seen->second;
      result.device_writes.push_back({RowWrite::seen, device, 0});
      if (silent_first_list) {
        ++result.baseline_devices;
      } else {
        result.changes.push_back(device_change(ChangeType::device_added, device, {}, device));
        announced.insert(id);
      }
    } else if (seen == observed.end()) {
      const DeviceRow& row = stored->second;
      const Absence gone = absence(row.missing_count, confirm_removals);
      if (gone.confirmed) {
        result.changes.push_back(
            device_change(ChangeType::device_removed, row.device, row.device, {}));
        result.device_writes.push_back({RowWrite::removed, row.device, gone.missing_count});
        cascade_removal(before, row.device, result);
      } else {
        result.device_writes.push_back({RowWrite::missing, row.device, gone.missing_count});
      }
    } else {
      const DeviceRow& row = stored->second;
      const Device& device = *seen->second;
      if (row.device != device) {
        result.changes.push_back(
            device_change(ChangeType::device_changed, device, row.device, device));
      }
      if (row.device != device || row.missing_count != 0) {
        result.device_writes.push_back({RowWrite::seen, device, 0});
      }
    }
  }
  return announced;
}

// Diffs one successfully fetched (device, module). `silent` is the baseline rule: scopes not yet
// stored are recorded without an event. Rows already stored follow the ordinary rules even then,
// because a change to something we have recorded is news whatever the pair's history says.
void diff_pair(const Snapshot& before, const PairKey& pair, const std::vector<Scope>& answer,
               const std::string& device_name, bool silent, int confirm_removals,
               DiffResult& result) {
  std::map<std::string, const Scope*> fetched;  // by scope_id; the first duplicate wins
  for (const Scope& scope : answer) {
    if (scope.module_code == pair.module_code) fetched.try_emplace(scope.scope_id, &scope);
  }
  std::map<std::string, const ScopeRow*> stored;  // by scope_id
  for (auto it = before.scopes.lower_bound(ScopeKey{pair.device_id, pair.module_code, {}});
       it != before.scopes.end() && it->first.pair() == pair; ++it) {
    stored.emplace(it->first.scope_id, &it->second);
  }
  std::set<std::string> ids;
  for (const auto& [id, scope] : fetched) ids.insert(id);
  for (const auto& [id, row] : stored) ids.insert(id);

  std::size_t recorded_silently = 0;
  for (const std::string& id : ids) {
    const auto old_row = stored.find(id);
    const auto seen = fetched.find(id);
    if (old_row == stored.end()) {
      const Scope& scope = *seen->second;
      result.scope_writes.push_back({RowWrite::seen, pair.device_id, scope, 0});
      if (silent) {
        ++recorded_silently;
      } else {
        result.changes.push_back(
            scope_change(ChangeType::scope_added, pair.device_id, device_name, scope, {}, scope));
      }
    } else if (seen == fetched.end()) {
      const ScopeRow& row = *old_row->second;
      const Absence gone = absence(row.missing_count, confirm_removals);
      if (gone.confirmed) {
        result.changes.push_back(scope_change(ChangeType::scope_removed, pair.device_id,
                                              device_name, row.scope, row.scope, {}));
      }
      result.scope_writes.push_back({gone.confirmed ? RowWrite::removed : RowWrite::missing,
                                     pair.device_id, row.scope, gone.missing_count});
    } else {
      const ScopeRow& row = *old_row->second;
      const Scope& scope = *seen->second;
      if (row.scope != scope) {
        result.changes.push_back(scope_change(ChangeType::scope_changed, pair.device_id,
                                              device_name, scope, row.scope, scope));
      }
      if (row.scope != scope || row.missing_count != 0) {
        result.scope_writes.push_back({RowWrite::seen, pair.device_id, scope, 0});
      }
    }
  }
  if (silent) result.baselines.push_back({pair, recorded_silently});
}

auto write_key(const ScopeWrite& write) {
  return std::tie(write.device_id, write.scope.module_code, write.scope.scope_id);
}

}  // namespace

DiffResult diff(const Snapshot& before, const Observation& seen, const DiffOptions& options) {
  DiffResult result;
  std::vector<Change> coverage = diff_detail::coverage_changes(before, seen, options.coverage);
  // Rule 1: without the device list we cannot tell a removed device from an unlisted one.
  const auto* devices = std::get_if<std::vector<Device>>(&seen.devices);
  if (devices == nullptr) {
    result.changes = std::move(coverage);
    return result;
  }

  const int confirm_removals = std::max(options.confirm_removals, 1);
  const ObservedDevices observed = index_devices(*devices);
  const std::set<std::string> announced =
      diff_devices(before, observed, options, confirm_removals, result);

  // Pairs are visited in PairKey order and scopes in scope_id order, so scope changes come out
  // already ordered by (device_id, module_code, scope_id) after all device changes.
  for (const auto& [pair, scopes] : successful_fetches(seen.scope_fetches, observed)) {
    // A device announced in an earlier poll whose pair failed then is still news here: its
    // scopes were never part of a baseline.
    const bool silent = options.baseline == BaselineMode::silent &&
                        !before.fetched_pairs.contains(pair) &&
                        !announced.contains(pair.device_id) &&
                        !before.announced_devices.contains(pair.device_id);
    diff_pair(before, pair, *scopes, observed.at(pair.device_id)->device_name, silent,
              confirm_removals, result);
    result.fetched_pairs.insert(pair);
  }

  // Cascade writes were produced with the device changes; one sort by identity puts all scope
  // writes in a single documented order (identities are unique, so the order is total).
  std::sort(result.scope_writes.begin(), result.scope_writes.end(),
            [](const ScopeWrite& a, const ScopeWrite& b) { return write_key(a) < write_key(b); });

  if (auto suspect = diff_detail::hold_mass_removal(before, result, options.mass_removal,
                                                    confirm_removals)) {
    result.changes.push_back(std::move(*suspect));
  }
  for (Change& change : coverage) result.changes.push_back(std::move(change));
  return result;
}

}  // namespace kda
