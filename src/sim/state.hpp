#pragma once
// The simulated tenant: users, the devices bound to each, and each device's scopes per module.
// Plain data plus the operations the control API and the endpoints need. No I/O, no clock
// (callers pass creation times in), no locking: the Simulator that owns a SimState serialises
// access to it.
//
// Promises:
//  - device IDs are unique across all users, scope IDs across all devices;
//  - generated IDs are 19-digit decimal strings ("1" + 18 digits, so above 2^53) drawn from a
//    generator seeded at construction: the same seed and the same calls give the same IDs;
//  - a user's devices keep their binding order (the order the device list answers);
//  - every device has a scope list for each known module (100, 101, 102), possibly empty.
// Errors: operations that can fail because of the caller's input return StateResult with a
// StateError (not found / conflict / invalid) whose message names the offending ID or field.
#include "koodrive_audit/model.hpp"

#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace kda::sim {

enum class StateErrc { not_found, conflict, invalid };

struct StateError {
  StateErrc kind{};
  std::string message;  // "no device 1775406005920779393"
};

// boost::system::result::value() on an error throws std::runtime_error(message).
[[noreturn]] void throw_exception_from_error(const StateError& e, const boost::source_location&);

template <class T>
using StateResult = boost::system::result<T, StateError>;

// Index of a known module in SimDevice::scopes; nullopt for an unknown code.
std::optional<std::size_t> module_slot(int module_code) noexcept;

struct SimDevice {
  Device device;
  std::array<std::vector<Scope>, 3> scopes;  // by module_slot(); kept in creation order

  const std::vector<Scope>& scopes_of(std::size_t slot) const { return scopes[slot]; }
};

struct SimUser {
  std::string user_id;
  std::vector<SimDevice> devices;  // binding order
  // Bumped on every change to this user's devices (not their scopes): lets a caller cache
  // the serialised device list.
  std::uint64_t devices_version = 0;
};

struct NewDevice {
  std::string user_id;                  // empty: the only user (an error when there are several)
  std::optional<std::string> device_id;  // generated when absent
  std::string machine_code;
  std::string device_name;
  std::string device_os;
  std::string create_time;  // ISO-8601, as the API shows it
};

struct DeviceChange {
  std::optional<std::string> machine_code;
  std::optional<std::string> device_name;
  std::optional<std::string> device_os;
};

struct NewScope {
  int module_code = 0;
  std::optional<std::string> scope_id;  // generated when absent
  std::string local_path;
  std::string target_folder_path;
  std::string create_time;
};

struct ScopeChange {
  std::optional<std::string> local_path;
  std::optional<std::string> target_folder_path;
};

// Lets the ID maps be searched with a string_view, without building a std::string.
struct IdHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view id) const noexcept {
    return std::hash<std::string_view>{}(id);
  }
};
template <class Value>
using IdMap = std::unordered_map<std::string, Value, IdHash, std::equal_to<>>;
using IdSet = std::unordered_set<std::string, IdHash, std::equal_to<>>;

class SimState {
 public:
  explicit SimState(std::uint64_t seed = 1);

  // Users. add_user is idempotent: adding a known user changes nothing and returns false.
  bool add_user(std::string user_id);
  bool has_user(std::string_view user_id) const;
  const SimUser* find_user(std::string_view user_id) const;
  const std::vector<SimUser>& users() const noexcept { return users_; }

  // Devices.
  StateResult<Device> add_device(NewDevice spec);
  StateResult<Device> change_device(std::string_view device_id, const DeviceChange& change);
  // Unbinds the device; its scopes go with it. Answers the device as it was.
  StateResult<Device> remove_device(std::string_view device_id);
  // The device with this ID bound to this user; nullptr when there is none.
  const SimDevice* find_device(std::string_view user_id, std::string_view device_id) const;
  // The device with this ID, whoever it belongs to; nullptr when there is none.
  const SimDevice* find_device(std::string_view device_id) const;

  // Scopes.
  StateResult<Scope> add_scope(std::string_view device_id, NewScope spec);
  StateResult<Scope> change_scope(std::string_view device_id, std::string_view scope_id,
                                  const ScopeChange& change);
  StateResult<Scope> remove_scope(std::string_view device_id, std::string_view scope_id);

  std::size_t device_count() const noexcept { return device_owner_.size(); }
  std::size_t scope_count() const noexcept { return scope_ids_.size(); }

  // A fresh 19-digit ID used by no device and no scope (and not returned before).
  std::string new_id();
  // Room for `devices` more devices of `user_id` and `scopes` more scopes (population).
  void reserve(std::string_view user_id, std::size_t devices, std::size_t scopes);

 private:
  struct Location {
    std::size_t user = 0;    // index into users_
    std::size_t device = 0;  // index into users_[user].devices
  };
  SimUser* user_for_new_device(std::string_view user_id, StateError& error);
  std::optional<Location> locate(std::string_view device_id) const;
  SimDevice* device_at(std::string_view device_id, StateError& error);
  bool id_taken(std::string_view id) const;

  std::vector<SimUser> users_;
  IdMap<std::size_t> user_index_;
  IdMap<Location> device_owner_;  // device_id → where it lives
  IdSet scope_ids_;
  std::uint64_t id_state_;
};

}  // namespace kda::sim
