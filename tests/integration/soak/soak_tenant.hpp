#pragma once
// The soak's change script: real changes made to koodrive-sim's tenant through its control API,
// and the events each one must produce. Both soaks (fault, crash) drive the daemon with it.
//
// Every change touches an item no other change touches, before or after (a fresh scope, a scope
// or device never changed before, a device that nothing else will change), so each is observable
// whatever the polls in between saw: two changes to one item between two successful fetches
// (removed and re-added, renamed twice) would collapse into one event or none. Devices that may
// be removed get no other change, so the scopes a device.removed cascades are those it started
// with.
//
// Deterministic for a seed and a starting tenant. Errors: a control request that is not answered
// 200 throws std::runtime_error naming it. Not thread-safe.
#include "support/sim_process.hpp"

#include <boost/json/value.hpp>

#include <compare>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace kda::test::soak {

// An event as the comparison sees it: what happened to which identity. module_code is 0 and
// scope_id empty for device events.
struct EventKey {
  std::string type;
  std::string device_id;
  int module_code = 0;
  std::string scope_id;
  auto operator<=>(const EventKey&) const = default;
};
std::string to_string(const EventKey& key);

// A control request (/_sim/…) that must answer 200: its parsed body. Throws std::runtime_error
// naming the request and the answer otherwise.
boost::json::value sim_control(const SimProcess& sim, std::string_view method,
                               const std::string& target, const std::string& body = {});

class SoakTenant {
 public:
  // Reads the simulator's current tenant (GET /_sim/state; one user). A third of its devices
  // (every third one) are kept for device.removed; the others take every other change.
  SoakTenant(const SimProcess& sim, std::uint64_t seed);

  // Makes one random change of a kind still possible and returns its type ("scope.added", …).
  std::string change();

  // The events the changes so far must produce, each exactly once.
  const std::vector<EventKey>& expected() const noexcept { return expected_; }
  // Changes made, by type.
  const std::map<std::string, int>& changes() const noexcept { return changes_; }
  int change_count() const noexcept;
  // Live devices and scopes as the simulator has them now.
  std::size_t live_items() const noexcept;

 private:
  struct ScopeItem {
    std::string id;
    int module_code = 0;
    bool touched = false;
  };
  struct DeviceItem {
    std::string id;
    bool removable = false;  // reserved for device.removed; nothing else changes it
    bool touched = false;    // renamed, or added by the script: no device-level change left
    bool frozen = false;     // added by the script: its scopes are left alone
    std::vector<ScopeItem> scopes;
  };

  boost::json::value control(std::string_view method, const std::string& target,
                             const std::string& body = {});
  std::string add_scope(DeviceItem& device, int module_code);
  template <class T>
  T& pick(std::vector<T>& items);

  void add_device();
  void remove_device(DeviceItem& device);
  void rename_device(DeviceItem& device);
  void add_scope_to(DeviceItem& device);
  void remove_scope(DeviceItem& device, std::size_t index);
  void change_scope(DeviceItem& device, ScopeItem& scope);

  const SimProcess& sim_;
  std::mt19937_64 random_;
  std::vector<DeviceItem> devices_;  // live ones, in binding order
  std::vector<EventKey> expected_;
  std::map<std::string, int> changes_;
  std::uint64_t serial_ = 0;  // makes every new path and name unique
};

}  // namespace kda::test::soak
