#include "sim/state.hpp"

#include "sim/random.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace kda::sim {

namespace {

StateError not_found(std::string message) { return {StateErrc::not_found, std::move(message)}; }
StateError conflict(std::string message) { return {StateErrc::conflict, std::move(message)}; }
StateError invalid(std::string message) { return {StateErrc::invalid, std::move(message)}; }

}  // namespace

void throw_exception_from_error(const StateError& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

std::optional<std::size_t> module_slot(int module_code) noexcept {
  switch (module_code) {
    case module_folder: return 0;
    case module_album: return 1;
    case module_address_book: return 2;
    default: return std::nullopt;
  }
}

SimState::SimState(std::uint64_t seed) : id_state_(seed) {}

bool SimState::add_user(std::string user_id) {
  if (user_index_.contains(user_id)) return false;
  user_index_.emplace(user_id, users_.size());
  users_.push_back(SimUser{std::move(user_id), {}, 0});
  return true;
}

bool SimState::has_user(std::string_view user_id) const {
  return user_index_.contains(user_id);
}

const SimUser* SimState::find_user(std::string_view user_id) const {
  const auto it = user_index_.find(user_id);
  return it == user_index_.end() ? nullptr : &users_[it->second];
}

SimUser* SimState::user_for_new_device(std::string_view user_id, StateError& error) {
  if (user_id.empty()) {
    if (users_.size() == 1) return &users_.front();
    error = invalid(users_.empty() ? "there is no user to bind the device to"
                                   : "user_id is required when there are several users");
    return nullptr;
  }
  const auto it = user_index_.find(user_id);
  if (it == user_index_.end()) {
    error = not_found("no user " + std::string(user_id));
    return nullptr;
  }
  return &users_[it->second];
}

bool SimState::id_taken(std::string_view id) const {
  return device_owner_.contains(id) || scope_ids_.contains(id);
}

std::string SimState::new_id() {
  constexpr std::uint64_t span = 1'000'000'000'000'000'000ULL;  // 10^18: 18 free digits
  for (;;) {
    std::string id = std::to_string(span + splitmix64(id_state_) % span);
    if (!id_taken(id)) return id;
  }
}

void SimState::reserve(std::string_view user_id, std::size_t devices, std::size_t scopes) {
  device_owner_.reserve(device_owner_.size() + devices);
  scope_ids_.reserve(scope_ids_.size() + scopes);
  const auto it = user_index_.find(user_id);
  if (it != user_index_.end()) {
    auto& list = users_[it->second].devices;
    list.reserve(list.size() + devices);
  }
}

StateResult<Device> SimState::add_device(NewDevice spec) {
  StateError error;
  SimUser* user = user_for_new_device(spec.user_id, error);
  if (user == nullptr) return error;
  if (spec.device_id) {
    if (spec.device_id->empty()) return invalid("deviceId must not be empty");
    if (device_owner_.contains(*spec.device_id))
      return conflict("device " + *spec.device_id + " already exists");
  }
  Device device{spec.device_id ? std::move(*spec.device_id) : new_id(),
                std::move(spec.machine_code), std::move(spec.device_name),
                std::move(spec.device_os), std::move(spec.create_time)};
  const auto user_position = static_cast<std::size_t>(user - users_.data());
  device_owner_.emplace(device.device_id, Location{user_position, user->devices.size()});
  user->devices.push_back(SimDevice{device, {}});
  ++user->devices_version;
  return device;
}

std::optional<SimState::Location> SimState::locate(std::string_view device_id) const {
  const auto it = device_owner_.find(device_id);
  if (it == device_owner_.end()) return std::nullopt;
  return it->second;
}

SimDevice* SimState::device_at(std::string_view device_id, StateError& error) {
  const auto where = locate(device_id);
  if (!where) {
    error = not_found("no device " + std::string(device_id));
    return nullptr;
  }
  return &users_[where->user].devices[where->device];
}

const SimDevice* SimState::find_device(std::string_view device_id) const {
  const auto where = locate(device_id);
  return where ? &users_[where->user].devices[where->device] : nullptr;
}

const SimDevice* SimState::find_device(std::string_view user_id,
                                       std::string_view device_id) const {
  const auto where = locate(device_id);
  if (!where || users_[where->user].user_id != user_id) return nullptr;
  return &users_[where->user].devices[where->device];
}

StateResult<Device> SimState::change_device(std::string_view device_id,
                                            const DeviceChange& change) {
  StateError error;
  SimDevice* entry = device_at(device_id, error);
  if (entry == nullptr) return error;
  if (change.machine_code) entry->device.machine_code = *change.machine_code;
  if (change.device_name) entry->device.device_name = *change.device_name;
  if (change.device_os) entry->device.device_os = *change.device_os;
  ++users_[locate(device_id)->user].devices_version;
  return entry->device;
}

StateResult<Device> SimState::remove_device(std::string_view device_id) {
  const auto where = locate(device_id);
  if (!where) return not_found("no device " + std::string(device_id));
  SimUser& user = users_[where->user];
  SimDevice removed = std::move(user.devices[where->device]);
  user.devices.erase(user.devices.begin() + static_cast<std::ptrdiff_t>(where->device));
  device_owner_.erase(removed.device.device_id);
  for (const auto& list : removed.scopes) {
    for (const auto& scope : list) scope_ids_.erase(scope.scope_id);
  }
  // Devices after the removed one moved down by one.
  for (std::size_t i = where->device; i < user.devices.size(); ++i) {
    device_owner_[user.devices[i].device.device_id].device = i;
  }
  ++user.devices_version;
  return removed.device;
}

StateResult<Scope> SimState::add_scope(std::string_view device_id, NewScope spec) {
  const auto slot = module_slot(spec.module_code);
  if (!slot) return invalid("unknown moduleCode " + std::to_string(spec.module_code));
  StateError error;
  SimDevice* entry = device_at(device_id, error);
  if (entry == nullptr) return error;
  if (spec.scope_id) {
    if (spec.scope_id->empty()) return invalid("scopeId must not be empty");
    if (scope_ids_.contains(*spec.scope_id))
      return conflict("scope " + *spec.scope_id + " already exists");
  }
  Scope scope{spec.scope_id ? std::move(*spec.scope_id) : new_id(), spec.module_code,
              std::move(spec.local_path), std::move(spec.target_folder_path),
              std::move(spec.create_time)};
  scope_ids_.insert(scope.scope_id);
  entry->scopes[*slot].push_back(scope);
  return scope;
}

StateResult<Scope> SimState::change_scope(std::string_view device_id, std::string_view scope_id,
                                          const ScopeChange& change) {
  StateError error;
  SimDevice* entry = device_at(device_id, error);
  if (entry == nullptr) return error;
  for (auto& list : entry->scopes) {
    for (auto& scope : list) {
      if (scope.scope_id != scope_id) continue;
      if (change.local_path) scope.local_path = *change.local_path;
      if (change.target_folder_path) scope.target_folder_path = *change.target_folder_path;
      return scope;
    }
  }
  return not_found("device " + std::string(device_id) + " has no scope " + std::string(scope_id));
}

StateResult<Scope> SimState::remove_scope(std::string_view device_id, std::string_view scope_id) {
  StateError error;
  SimDevice* entry = device_at(device_id, error);
  if (entry == nullptr) return error;
  for (auto& list : entry->scopes) {
    const auto it = std::find_if(list.begin(), list.end(),
                                 [&](const Scope& s) { return s.scope_id == scope_id; });
    if (it == list.end()) continue;
    Scope removed = std::move(*it);
    list.erase(it);
    scope_ids_.erase(removed.scope_id);
    return removed;
  }
  return not_found("device " + std::string(device_id) + " has no scope " + std::string(scope_id));
}

}  // namespace kda::sim
