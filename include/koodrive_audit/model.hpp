#pragma once
// Plain records shared by every component: what KooDrive reports (Device, Scope), what one
// poll saw (Observation), what the store remembers (Snapshot) and what changed (Change).
// No dependencies beyond the standard library; no I/O; all values, freely copyable.
//
// IDs are decimal strings that may exceed 2^53; they are never parsed as numbers.
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

namespace kda {

// KooDrive backup modules. The API sends the code as a string ("100"); we keep the number.
inline constexpr int module_folder = 100;
inline constexpr int module_album = 101;
inline constexpr int module_address_book = 102;
inline constexpr int known_modules[] = {module_folder, module_album, module_address_book};

// "folder" / "album" / "address_book"; std::nullopt for a code KooDrive does not define.
std::optional<std::string_view> module_name(int module_code) noexcept;
bool is_known_module(int module_code) noexcept;

struct Device {
  std::string device_id;
  std::string machine_code;
  std::string device_name;
  std::string device_os;
  std::string create_time;  // as KooDrive sent it
  friend bool operator==(const Device&, const Device&) = default;
};

struct Scope {
  std::string scope_id;
  int module_code = 0;
  std::string local_path;
  std::string target_folder_path;
  std::string create_time;  // as KooDrive sent it
  friend bool operator==(const Scope&, const Scope&) = default;
};

// Identity of a (device, module) fetch.
struct PairKey {
  std::string device_id;
  int module_code = 0;
  friend auto operator<=>(const PairKey&, const PairKey&) = default;
};

// Identity of a scope within one account.
struct ScopeKey {
  std::string device_id;
  int module_code = 0;
  std::string scope_id;
  PairKey pair() const { return {device_id, module_code}; }
  friend auto operator<=>(const ScopeKey&, const ScopeKey&) = default;
};

// Why a fetch failed. A failure is never an empty result: the diff leaves the item alone.
struct FetchFailure {
  std::string reason;       // human text naming the request, e.g. "GET …/scope?moduleCode=101: HTTP 503"
  int http_status = 0;      // 0 when no HTTP answer was read
  std::int64_t api_code = 0;  // KooDrive `code`, 0 when none
  bool transient = true;    // worth retrying later
  friend bool operator==(const FetchFailure&, const FetchFailure&) = default;
};

// The scopes of one (device, module), or why they could not be fetched.
struct ScopeFetch {
  PairKey pair;
  std::variant<std::vector<Scope>, FetchFailure> result;
  bool ok() const noexcept { return result.index() == 0; }
};

// What one poll of one account saw. `devices` holds the failure when the device list could not
// be fetched; then `scope_fetches` is empty and nothing in the snapshot may change.
struct Observation {
  std::string account_id;
  std::variant<std::vector<Device>, FetchFailure> devices;
  std::vector<ScopeFetch> scope_fetches;  // one per listed device × configured module
  bool device_list_ok() const noexcept { return devices.index() == 0; }
};

// A live row of the snapshot, with how many successful fetches in a row have missed it.
struct DeviceRow {
  Device device;
  int missing_count = 0;
  friend bool operator==(const DeviceRow&, const DeviceRow&) = default;
};

struct ScopeRow {
  std::string device_id;
  Scope scope;
  int missing_count = 0;
  ScopeKey key() const { return {device_id, scope.module_code, scope.scope_id}; }
  friend bool operator==(const ScopeRow&, const ScopeRow&) = default;
};

// What the store knows of one account before a poll: its live devices and scopes (removed_at
// IS NULL), which (device, module) pairs have ever been fetched successfully, and which live
// devices were announced with device.added (both for the baseline rule: a pair of an announced
// device is news even when its first successful fetch comes in a later poll).
struct Snapshot {
  std::string account_id;
  bool device_list_fetched_before = false;
  std::map<std::string, DeviceRow> devices;  // by device_id
  std::map<ScopeKey, ScopeRow> scopes;
  std::set<PairKey> fetched_pairs;
  std::set<std::string> announced_devices;  // device_ids
  // Failure streaks, for the coverage events: failed polls of the account's device list since
  // its last ok or partial poll, and consecutive failed fetches of each failing pair.
  int device_list_failures = 0;
  std::map<PairKey, int> pair_failures;  // only pairs with at least one failure
};

enum class ChangeType {
  device_added,
  device_removed,
  device_changed,
  scope_added,
  scope_removed,
  scope_changed,
  // About the audit itself (issue #6), not about KooDrive's configuration:
  suspect_mass_removal,  // "audit.suspect_mass_removal": removals held until confirmed
  coverage_lost,         // a part of the account failed too many polls in a row
  coverage_restored,     // the first success after coverage_lost
};

// device.* and scope.*: a change of KooDrive's configuration, which replaying the events
// reproduces; false for the audit.* and coverage.* events.
bool is_configuration_change(ChangeType type) noexcept;

// "device.added", "scope.removed", "coverage.lost", ...
std::string_view to_string(ChangeType type) noexcept;
std::optional<ChangeType> change_type_from_string(std::string_view text) noexcept;

// What an audit event (audit.*, coverage.*) says about the audit itself: one compact JSON
// object (counts, the last error), its "after" record.
struct AuditDetail {
  std::string json;
  friend bool operator==(const AuditDetail&, const AuditDetail&) = default;
};

// A record before or after a change: nothing (added / removed side), a device or a scope; or,
// as the "after" of an audit event, its detail.
using Record = std::variant<std::monostate, Device, Scope, AuditDetail>;

// One detected change; the store turns it into an event row (seq, event_id, poll_id, time).
struct Change {
  ChangeType type{};
  std::string device_id;
  std::string device_name;       // for humans; the device's latest known name
  std::optional<int> module_code;  // scope changes only
  std::string scope_id;            // scope changes only
  Record before;
  Record after;
  std::string cause;  // why, when not self-evident: "device.removed" on a cascade
  friend bool operator==(const Change&, const Change&) = default;
};

// How a row of the snapshot is rewritten by a poll. Only rows whose stored state changes are
// written, so a poll that sees no change writes no snapshot row.
enum class RowWrite {
  seen,     // present: insert, or update its fields; missing_count = 0, removed_at = NULL
  missing,  // absent from a successful fetch, not yet confirmed: missing_count = n
  removed,  // absence confirmed: removed_at = now
};

struct DeviceWrite {
  RowWrite kind{};
  Device device;
  int missing_count = 0;
  friend bool operator==(const DeviceWrite&, const DeviceWrite&) = default;
};

struct ScopeWrite {
  RowWrite kind{};
  std::string device_id;
  Scope scope;
  int missing_count = 0;
  friend bool operator==(const ScopeWrite&, const ScopeWrite&) = default;
};

// A (device, module) with scopes: PackedPairScopes::unpack's values.
struct PairScopes {
  PairKey pair;
  std::vector<Scope> scopes;
  friend bool operator==(const PairScopes&, const PairScopes&) = default;
};

// A (device, module) recorded silently by the baseline rule, for the one info log line.
struct Baseline {
  PairKey pair;
  std::size_t scope_count = 0;
  friend bool operator==(const Baseline&, const Baseline&) = default;
};

}  // namespace kda
