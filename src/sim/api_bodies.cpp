#include "sim/api_bodies.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace kda::sim {

namespace json = boost::json;

namespace {

// An ID as the wrong_type fault sends it. IDs that are not numbers stay strings: there is no
// number to send.
json::value id_value(const std::string& id, bool as_number) {
  if (as_number) {
    std::uint64_t number = 0;
    const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), number);
    if (ec == std::errc{} && end == id.data() + id.size()) return number;
  }
  return json::string(id);
}

std::string envelope(std::string_view list_key, json::array list) {
  json::object body;
  body.reserve(3);
  body.emplace("code", 0);
  body.emplace("msg", "success");
  body.emplace(list_key, std::move(list));
  return json::serialize(body);
}

}  // namespace

json::object device_json(const Device& device, bool ids_as_numbers) {
  json::object out;
  out.reserve(5);
  out.emplace("deviceId", id_value(device.device_id, ids_as_numbers));
  out.emplace("machineCode", device.machine_code);
  out.emplace("deviceName", device.device_name);
  out.emplace("deviceOS", device.device_os);
  out.emplace("createTime", device.create_time);
  return out;
}

json::object scope_json(const Scope& scope, bool ids_as_numbers) {
  json::object out;
  out.reserve(5);
  out.emplace("localPath", scope.local_path);
  out.emplace("targetFolderPath", scope.target_folder_path);
  out.emplace("scopeId", id_value(scope.scope_id, ids_as_numbers));
  out.emplace("moduleCode", std::to_string(scope.module_code));
  out.emplace("createTime", scope.create_time);
  return out;
}

std::string device_list_body(const std::vector<SimDevice>& devices, bool ids_as_numbers) {
  json::array data;
  data.reserve(devices.size());
  for (const auto& entry : devices) data.emplace_back(device_json(entry.device, ids_as_numbers));
  return envelope("data", std::move(data));
}

std::string scope_list_body(const std::vector<Scope>& scopes, bool ids_as_numbers) {
  json::array list;
  list.reserve(scopes.size());
  for (const auto& scope : scopes) list.emplace_back(scope_json(scope, ids_as_numbers));
  return envelope("scopeList", std::move(list));
}

std::string error_body(std::int64_t code, std::string_view msg) {
  json::object body;
  body.reserve(2);
  body.emplace("code", code);
  body.emplace("msg", msg);
  return json::serialize(body);
}

std::string_view api_code_message(std::int64_t code) noexcept {
  switch (code) {
    case code_bad_parameter: return msg_bad_parameter;
    case code_server_failure: return msg_server_failure;
    case code_not_found: return msg_not_found;
    default: return "simulated error";
  }
}

}  // namespace kda::sim
