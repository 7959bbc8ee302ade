#include "soak_tenant.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace kda::test::soak {

namespace json = boost::json;

std::string to_string(const EventKey& key) {
  std::string text = key.type + " device=" + key.device_id;
  if (!key.scope_id.empty()) {
    text += " module=" + std::to_string(key.module_code) + " scope=" + key.scope_id;
  }
  return text;
}

SoakTenant::SoakTenant(const SimProcess& sim, std::uint64_t seed) : sim_(sim), random_(seed) {
  const json::value state = control("GET", "/_sim/state", "");
  const json::array& users = state.at("users").as_array();
  if (users.size() != 1) throw std::runtime_error("the soak expects a tenant with one user");
  std::size_t index = 0;
  for (const json::value& entry : users.front().at("devices").as_array()) {
    DeviceItem device;
    device.id = json::value_to<std::string>(entry.at("deviceId"));
    device.removable = index++ % 3 == 0;
    for (const auto& [module, scopes] : entry.at("scopes").as_object()) {
      for (const json::value& scope : scopes.as_array()) {
        device.scopes.push_back(
            {json::value_to<std::string>(scope.at("scopeId")), std::stoi(std::string(module))});
      }
    }
    devices_.push_back(std::move(device));
  }
}

int SoakTenant::change_count() const noexcept {
  int total = 0;
  for (const auto& [type, count] : changes_) total += count;
  return total;
}

std::size_t SoakTenant::live_items() const noexcept {
  std::size_t items = devices_.size();
  for (const DeviceItem& device : devices_) items += device.scopes.size();
  return items;
}

std::string SoakTenant::change() {
  // Kinds still possible now, each as likely as the others.
  std::vector<DeviceItem*> removable, renamable, with_free_scope, open;
  for (DeviceItem& device : devices_) {
    if (device.removable) {
      removable.push_back(&device);
      continue;
    }
    if (device.frozen) continue;
    open.push_back(&device);
    if (!device.touched) renamable.push_back(&device);
    if (std::any_of(device.scopes.begin(), device.scopes.end(),
                    [](const ScopeItem& scope) { return !scope.touched; })) {
      with_free_scope.push_back(&device);
    }
  }
  std::vector<std::string> kinds{"device.added"};
  if (!removable.empty()) kinds.emplace_back("device.removed");
  if (!renamable.empty()) kinds.emplace_back("device.changed");
  if (!open.empty()) kinds.emplace_back("scope.added");
  if (!with_free_scope.empty()) {
    kinds.emplace_back("scope.removed");
    kinds.emplace_back("scope.changed");
  }
  const std::string kind = pick(kinds);

  if (kind == "device.added") {
    add_device();
  } else if (kind == "device.removed") {
    remove_device(*pick(removable));
  } else if (kind == "device.changed") {
    rename_device(*pick(renamable));
  } else if (kind == "scope.added") {
    add_scope_to(*pick(open));
  } else {
    DeviceItem& device = *pick(with_free_scope);
    std::vector<std::size_t> free;
    for (std::size_t i = 0; i < device.scopes.size(); ++i) {
      if (!device.scopes[i].touched) free.push_back(i);
    }
    const std::size_t index = pick(free);
    if (kind == "scope.removed") {
      remove_scope(device, index);
    } else {
      change_scope(device, device.scopes[index]);
    }
  }
  ++changes_[kind];
  return kind;
}

template <class T>
T& SoakTenant::pick(std::vector<T>& items) {
  return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(random_)];
}

void SoakTenant::add_device() {
  const std::string n = std::to_string(++serial_);
  const json::value answer = control(
      "POST", "/_sim/devices",
      R"({"machineCode":"soak)" + n + R"(","deviceName":"Soak device )" + n +
          R"(","deviceOS":"android"})");
  DeviceItem device;
  device.id = json::value_to<std::string>(answer.at("deviceId"));
  device.touched = true;
  device.frozen = true;
  expected_.push_back({"device.added", device.id, 0, {}});
  // A device that appears is news with all its scopes (rule 2), whichever poll first fetches
  // them: a scope added a moment after the device is the same scope.added.
  const int scopes = std::uniform_int_distribution<int>(0, 2)(random_);
  for (int i = 0; i < scopes; ++i) {
    const int module_code = 100 + std::uniform_int_distribution<int>(0, 2)(random_);
    const std::string id = add_scope(device, module_code);
    expected_.push_back({"scope.added", device.id, module_code, id});
  }
  devices_.push_back(std::move(device));
}

void SoakTenant::remove_device(DeviceItem& device) {
  control("DELETE", "/_sim/devices/" + device.id);
  expected_.push_back({"device.removed", device.id, 0, {}});
  for (const ScopeItem& scope : device.scopes) {
    expected_.push_back({"scope.removed", device.id, scope.module_code, scope.id});
  }
  const std::string id = device.id;
  std::erase_if(devices_, [&](const DeviceItem& item) { return item.id == id; });
}

void SoakTenant::rename_device(DeviceItem& device) {
  control("PATCH", "/_sim/devices/" + device.id,
          R"({"deviceName":"Renamed )" + std::to_string(++serial_) + R"("})");
  device.touched = true;
  expected_.push_back({"device.changed", device.id, 0, {}});
}

std::string SoakTenant::add_scope(DeviceItem& device, int module_code) {
  const std::string path = "/Soak/" + std::to_string(++serial_);
  const json::value answer =
      control("POST", "/_sim/devices/" + device.id + "/scopes",
                   R"({"moduleCode":")" + std::to_string(module_code) + R"(","localPath":")" +
                       path + R"(","targetFolderPath":"/Backup)" + path + R"("})");
  ScopeItem scope{json::value_to<std::string>(answer.at("scopeId")), module_code, true};
  device.scopes.push_back(scope);
  return scope.id;
}

void SoakTenant::add_scope_to(DeviceItem& device) {
  const int module_code = 100 + std::uniform_int_distribution<int>(0, 2)(random_);
  const std::string id = add_scope(device, module_code);
  expected_.push_back({"scope.added", device.id, module_code, id});
}

void SoakTenant::remove_scope(DeviceItem& device, std::size_t index) {
  const ScopeItem scope = device.scopes[index];
  control("DELETE", "/_sim/devices/" + device.id + "/scopes/" + scope.id);
  expected_.push_back({"scope.removed", device.id, scope.module_code, scope.id});
  device.scopes.erase(device.scopes.begin() + static_cast<std::ptrdiff_t>(index));
}

void SoakTenant::change_scope(DeviceItem& device, ScopeItem& scope) {
  control("PATCH", "/_sim/devices/" + device.id + "/scopes/" + scope.id,
          R"({"localPath":"/Changed/)" + std::to_string(++serial_) + R"("})");
  scope.touched = true;
  expected_.push_back({"scope.changed", device.id, scope.module_code, scope.id});
}

json::value SoakTenant::control(std::string_view method, const std::string& target,
                                const std::string& body) {
  return sim_control(sim_, method, target, body);
}

json::value sim_control(const SimProcess& sim, std::string_view method, const std::string& target,
                        const std::string& body) {
  const HttpReply reply = sim.control(method, target, body);
  if (reply.status != 200) {
    throw std::runtime_error(std::string(method) + " " + target + " answered " +
                             std::to_string(reply.status) + ": " + reply.body);
  }
  return json::parse(reply.body);
}

}  // namespace kda::test::soak
