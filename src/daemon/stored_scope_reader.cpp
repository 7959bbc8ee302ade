#include "daemon/stored_scope_reader.hpp"

#include <algorithm>
#include <utility>

namespace kda::daemon {

StoredScopeReader::StoredScopeReader(Store& store, std::string account_id,
                                     std::vector<std::string> listed_devices)
    : store_(store), account_id_(std::move(account_id)), listed_(std::move(listed_devices)) {
  std::sort(listed_.begin(), listed_.end());
  listed_.erase(std::unique(listed_.begin(), listed_.end()), listed_.end());
}

StoredScopes StoredScopeReader::scopes() {
  return StoredScopes{[this](const std::string& device_id) { return of_device(device_id); },
                      [this](const PairKey& pair) { return of_pair(pair); }};
}

std::vector<ScopeRow> StoredScopeReader::of_device(const std::string& device_id) {
  ++queries_;
  return store_.live_scopes(account_id_, device_id);
}

void StoredScopeReader::read_run_from(const std::string& device_id) {
  auto first = std::lower_bound(listed_.begin(), listed_.end(), device_id);
  if (first == listed_.end() || *first != device_id) {
    // Not a listed device (the diff never asks for one): read it alone.
    first = listed_.end();
  }
  const auto last = first == listed_.end()
                        ? first
                        : first + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                      batch_devices - 1,
                                      static_cast<std::size_t>(listed_.end() - first) - 1));
  const std::string& to = last == listed_.end() ? device_id : *last;
  // Every device of the run not read yet is marked read, with or without rows; one still kept
  // from an earlier run keeps what it has left (some of its pairs were handed out already).
  std::map<std::string, std::map<int, std::vector<ScopeRow>>*> fresh;
  const auto remember = [&](const std::string& id) {
    const auto [device, inserted] = devices_.try_emplace(id);
    if (!inserted) return;
    order_.push_back(id);
    fresh.emplace(id, &device->second);
  };
  remember(device_id);
  if (first != listed_.end()) {
    for (auto it = first; it <= last; ++it) remember(*it);
  }
  ++queries_;
  for (ScopeRow& row : store_.live_scopes_between(account_id_, device_id, to)) {
    const auto device = fresh.find(row.device_id);
    if (device == fresh.end()) continue;  // a device not listed, or kept from an earlier run
    const int module_code = row.scope.module_code;
    (*device->second)[module_code].push_back(std::move(row));
  }
  while (order_.size() > kept_devices) {
    devices_.erase(order_.front());
    order_.pop_front();
  }
}

std::vector<ScopeRow> StoredScopeReader::of_pair(const PairKey& pair) {
  auto device = devices_.find(pair.device_id);
  if (device == devices_.end()) {
    read_run_from(pair.device_id);
    device = devices_.find(pair.device_id);
  }
  // Each pair is asked for once (the diff ignores a repeated answer), so its rows can go.
  std::vector<ScopeRow> rows;
  if (device == devices_.end()) return rows;
  if (auto module = device->second.find(pair.module_code); module != device->second.end()) {
    rows = std::move(module->second);
    device->second.erase(module);
  }
  return rows;
}

}  // namespace kda::daemon
