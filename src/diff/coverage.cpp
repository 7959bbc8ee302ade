#include "diff/audit_guards.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <string>

namespace kda::diff_detail {

namespace {

namespace json = boost::json;

Change coverage_change(ChangeType type, json::object detail) {
  Change change;
  change.type = type;
  change.after = AuditDetail{json::serialize(detail)};
  return change;
}

// What one more attempt means for a failure streak of `before` attempts.
std::optional<Change> transition(int before, const FetchFailure* failure, int after_failures,
                                 json::object where) {
  if (failure != nullptr) {
    // Exactly at the threshold, so that a streak raises coverage.lost once, not every poll.
    if (before + 1 != after_failures) return std::nullopt;
    where["consecutive_failures"] = before + 1;
    where["last_error"] = failure->reason;
    if (failure->http_status != 0) where["http_status"] = failure->http_status;
    if (failure->api_code != 0) where["api_code"] = failure->api_code;
    return coverage_change(ChangeType::coverage_lost, std::move(where));
  }
  if (before < after_failures) return std::nullopt;
  where["failed_attempts"] = before;
  return coverage_change(ChangeType::coverage_restored, std::move(where));
}

}  // namespace

std::vector<Change> coverage_changes(const Snapshot& before, const Observation& seen,
                                     const CoverageOptions& options) {
  const int after_failures = std::max(options.after_failures, 1);
  std::vector<Change> changes;

  const auto* failure = std::get_if<FetchFailure>(&seen.devices);
  if (auto change = transition(before.device_list_failures, failure, after_failures,
                               json::object{{"target", "device_list"}})) {
    changes.push_back(std::move(*change));
  }
  const auto* devices = std::get_if<std::vector<Device>>(&seen.devices);
  if (devices == nullptr) return changes;

  std::map<std::string, const Device*> listed;  // the first entry of a repeated device wins
  for (const Device& device : *devices) listed.try_emplace(device.device_id, &device);
  std::map<PairKey, const ScopeFetch*> fetches;  // the first fetch of a repeated pair wins
  for (const ScopeFetch& fetch : seen.scope_fetches) {
    if (listed.contains(fetch.pair.device_id)) fetches.try_emplace(fetch.pair, &fetch);
  }
  for (const auto& [pair, fetch] : fetches) {
    const auto streak = before.pair_failures.find(pair);
    const int failures = streak == before.pair_failures.end() ? 0 : streak->second;
    json::object where{{"target", "pair"}};
    if (const auto name = module_name(pair.module_code)) where["module"] = *name;
    auto change = transition(failures, std::get_if<FetchFailure>(&fetch->result), after_failures,
                             std::move(where));
    if (!change) continue;
    change->device_id = pair.device_id;
    change->device_name = listed.at(pair.device_id)->device_name;
    change->module_code = pair.module_code;
    changes.push_back(std::move(*change));
  }
  return changes;
}

}  // namespace kda::diff_detail
