// Observation → JSON for `koodrive-audit fetch` (format in koodrive_audit/api.hpp).
#include "koodrive_audit/api.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace kda::api {

namespace json = boost::json;

namespace {

json::object device_json(const Device& device) {
  return {{"device_id", device.device_id},
          {"machine_code", device.machine_code},
          {"device_name", device.device_name},
          {"device_os", device.device_os},
          {"create_time", device.create_time}};
}

json::object scope_json(const Scope& scope) {
  return {{"scope_id", scope.scope_id},
          {"module_code", scope.module_code},
          {"local_path", scope.local_path},
          {"target_folder_path", scope.target_folder_path},
          {"create_time", scope.create_time}};
}

void put_failure(json::object& out, const FetchFailure& failure) {
  out["reason"] = failure.reason;
  out["http_status"] = failure.http_status;
  out["api_code"] = failure.api_code;
  out["transient"] = failure.transient;
}

}  // namespace

std::string observation_to_json(const Observation& observation) {
  json::object root;
  root["account_id"] = observation.account_id;
  json::array devices;
  json::value device_list_error = nullptr;
  if (const auto* listed = std::get_if<std::vector<Device>>(&observation.devices)) {
    for (const Device& device : *listed) devices.push_back(device_json(device));
  } else {
    json::object error;
    put_failure(error, std::get<FetchFailure>(observation.devices));
    device_list_error = std::move(error);
  }
  root["devices"] = std::move(devices);

  json::object scopes;
  json::array failures;
  for (const ScopeFetch& fetch : observation.scope_fetches) {
    if (const auto* found = std::get_if<std::vector<Scope>>(&fetch.result)) {
      json::value& per_device = scopes[fetch.pair.device_id];
      if (!per_device.is_object()) per_device = json::object{};
      json::array list;
      for (const Scope& scope : *found) list.push_back(scope_json(scope));
      per_device.as_object()[std::to_string(fetch.pair.module_code)] = std::move(list);
    } else {
      json::object failure{{"device_id", fetch.pair.device_id},
                           {"module_code", fetch.pair.module_code}};
      put_failure(failure, std::get<FetchFailure>(fetch.result));
      failures.push_back(std::move(failure));
    }
  }
  root["scopes"] = std::move(scopes);
  root["failures"] = std::move(failures);
  root["device_list_error"] = std::move(device_list_error);
  return json::serialize(root);
}

int fetch_exit_code(const Observation& observation) noexcept {
  if (!observation.device_list_ok()) return 1;
  for (const ScopeFetch& fetch : observation.scope_fetches) {
    if (!fetch.ok()) return 2;
  }
  return 0;
}

}  // namespace kda::api
