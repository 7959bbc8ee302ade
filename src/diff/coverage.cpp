#include "diff/audit_guards.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
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

std::optional<Change> device_list_coverage(int failures_before, const FetchFailure* failure,
                                           const CoverageOptions& options) {
  return transition(failures_before, failure, std::max(options.after_failures, 1),
                    json::object{{"target", "device_list"}});
}

std::optional<Change> pair_coverage(const Snapshot& head, const PairKey& pair,
                                    const std::string& device_name, const FetchFailure* failure,
                                    const CoverageOptions& options) {
  const auto streak = head.pair_failures.find(pair);
  const int failures = streak == head.pair_failures.end() ? 0 : streak->second;
  // A success after successes, nearly every answer of a poll: nothing to say, so no detail
  // object to build (it cost four allocations per request).
  if (failure == nullptr && failures == 0) return std::nullopt;
  json::object where{{"target", "pair"}};
  if (const auto name = module_name(pair.module_code)) where["module"] = *name;
  auto change =
      transition(failures, failure, std::max(options.after_failures, 1), std::move(where));
  if (!change) return change;
  change->device_id = pair.device_id;
  change->device_name = device_name;
  change->module_code = pair.module_code;
  return change;
}

}  // namespace kda::diff_detail
