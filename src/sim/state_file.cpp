#include "sim/state_file.hpp"

#include "sim/json_fields.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace kda::sim {

namespace json = boost::json;

namespace {

json::object scope_entry(const Scope& scope) {
  json::object out;
  out.reserve(4);
  out.emplace("scopeId", scope.scope_id);
  out.emplace("localPath", scope.local_path);
  out.emplace("targetFolderPath", scope.target_folder_path);
  out.emplace("createTime", scope.create_time);
  return out;
}

json::object device_entry(const SimDevice& entry) {
  json::object scopes;
  for (int code : known_modules) {
    json::array list;
    for (const auto& scope : entry.scopes_of(*module_slot(code))) list.emplace_back(scope_entry(scope));
    scopes.emplace(std::to_string(code), std::move(list));
  }
  json::object out;
  out.reserve(6);
  out.emplace("deviceId", entry.device.device_id);
  out.emplace("machineCode", entry.device.machine_code);
  out.emplace("deviceName", entry.device.device_name);
  out.emplace("deviceOS", entry.device.device_os);
  out.emplace("createTime", entry.device.create_time);
  out.emplace("scopes", std::move(scopes));
  return out;
}

// Module codes as state-file keys: exactly "100", "101" or "102".
int module_key(std::string_view key, std::string_view path) {
  for (int code : known_modules) {
    if (key == std::to_string(code)) return code;
  }
  throw JsonFieldError(member_path(path, key) + ": unknown module code (expected 100, 101 or 102)");
}

void load_scopes(SimState& state, const std::string& device_id, const json::value& value,
                 const std::string& path) {
  for (const auto& [key, list_value] : as_object(value, path)) {
    const std::string list_path = member_path(path, key);
    const int code = module_key(key, path);
    const auto& list = as_array(list_value, list_path);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string scope_path = element_path(list_path, i);
      const auto& object = as_object(list[i], scope_path);
      reject_unknown_keys(object, {"scopeId", "localPath", "targetFolderPath", "createTime"},
                          scope_path);
      NewScope scope{code, required_string(object, "scopeId", scope_path),
                     required_string(object, "localPath", scope_path),
                     required_string(object, "targetFolderPath", scope_path),
                     optional_string(object, "createTime", scope_path)
                         .value_or(std::string(default_create_time))};
      auto added = state.add_scope(device_id, std::move(scope));
      if (!added) throw JsonFieldError(scope_path + ": " + added.error().message);
    }
  }
}

void load_device(SimState& state, const std::string& user_id, const json::value& value,
                 const std::string& path) {
  const auto& object = as_object(value, path);
  reject_unknown_keys(object,
                      {"deviceId", "machineCode", "deviceName", "deviceOS", "createTime", "scopes"},
                      path);
  NewDevice device{user_id,
                   required_string(object, "deviceId", path),
                   required_string(object, "machineCode", path),
                   required_string(object, "deviceName", path),
                   required_string(object, "deviceOS", path),
                   optional_string(object, "createTime", path)
                       .value_or(std::string(default_create_time))};
  auto added = state.add_device(std::move(device));
  if (!added) throw JsonFieldError(path + ": " + added.error().message);
  if (const auto* scopes = object.if_contains("scopes"))
    load_scopes(state, added->device_id, *scopes, member_path(path, "scopes"));
}

}  // namespace

json::value state_to_json(const SimState& state) {
  json::array users;
  for (const auto& user : state.users()) {
    json::array devices;
    devices.reserve(user.devices.size());
    for (const auto& entry : user.devices) devices.emplace_back(device_entry(entry));
    json::object out;
    out.emplace("user_id", user.user_id);
    out.emplace("devices", std::move(devices));
    users.emplace_back(std::move(out));
  }
  json::object document;
  document.emplace("users", std::move(users));
  return document;
}

void load_state(SimState& state, const json::value& document) {
  const auto& root = as_object(document, "");
  reject_unknown_keys(root, {"users"}, "");
  const auto* users_value = root.if_contains("users");
  if (users_value == nullptr) throw JsonFieldError("users: missing");
  const auto& users = as_array(*users_value, "users");
  for (std::size_t u = 0; u < users.size(); ++u) {
    const std::string user_path = element_path("users", u);
    const auto& user = as_object(users[u], user_path);
    reject_unknown_keys(user, {"user_id", "devices"}, user_path);
    const std::string user_id = required_string(user, "user_id", user_path);
    if (user_id.empty()) throw JsonFieldError(member_path(user_path, "user_id") + ": empty");
    state.add_user(user_id);
    const auto* devices_value = user.if_contains("devices");
    if (devices_value == nullptr) continue;
    const std::string devices_path = member_path(user_path, "devices");
    const auto& devices = as_array(*devices_value, devices_path);
    for (std::size_t d = 0; d < devices.size(); ++d)
      load_device(state, user_id, devices[d], element_path(devices_path, d));
  }
}

}  // namespace kda::sim
