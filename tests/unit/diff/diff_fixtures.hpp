#pragma once
// Builders for the diff tests: records with distinct field values, a snapshot of one known
// device, an observation that sees it unchanged, and the Change values the rules should produce.
// PrintTo overloads make a failed EXPECT_EQ show records instead of bytes.
#include "koodrive_audit/diff.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace kda {

inline std::ostream& operator<<(std::ostream& out, const Device& d) {
  return out << "Device{" << d.device_id << ", " << d.machine_code << ", " << d.device_name << ", "
             << d.device_os << ", " << d.create_time << "}";
}

inline std::ostream& operator<<(std::ostream& out, const Scope& s) {
  return out << "Scope{" << s.scope_id << ", " << s.module_code << ", " << s.local_path << ", "
             << s.target_folder_path << ", " << s.create_time << "}";
}

inline std::ostream& operator<<(std::ostream& out, const Record& r) {
  if (const auto* d = std::get_if<Device>(&r)) return out << *d;
  if (const auto* s = std::get_if<Scope>(&r)) return out << *s;
  if (const auto* a = std::get_if<AuditDetail>(&r)) return out << a->json;
  return out << "-";
}

inline const char* row_write_name(RowWrite kind) {
  switch (kind) {
    case RowWrite::seen: return "seen";
    case RowWrite::missing: return "missing";
    case RowWrite::removed: return "removed";
  }
  return "?";
}

inline void PrintTo(const Change& c, std::ostream* out) {
  *out << to_string(c.type) << " device=" << c.device_id << " name=" << c.device_name
       << " module=" << (c.module_code ? std::to_string(*c.module_code) : "-")
       << " scope=" << c.scope_id << " before=" << c.before << " after=" << c.after
       << " cause=\"" << c.cause << "\"";
}

inline void PrintTo(const DeviceWrite& w, std::ostream* out) {
  *out << row_write_name(w.kind) << ' ' << w.device << " missing=" << w.missing_count;
}

inline void PrintTo(const ScopeWrite& w, std::ostream* out) {
  *out << row_write_name(w.kind) << " device=" << w.device_id << ' ' << w.scope
       << " missing=" << w.missing_count;
}

inline void PrintTo(const PairKey& p, std::ostream* out) {
  *out << '(' << p.device_id << ", " << p.module_code << ')';
}

inline void PrintTo(const PairScopes& p, std::ostream* out) {
  *out << p.pair.device_id << "/" << p.pair.module_code << " [";
  for (const Scope& s : p.scopes) *out << s << " ";
  *out << "]";
}

inline void PrintTo(const Baseline& b, std::ostream* out) {
  PrintTo(b.pair, out);
  *out << " count=" << b.scope_count;
}

namespace diff_test {

// An audit event's detail, parsed (an empty object when the change carries none).
inline boost::json::object detail_of(const Change& change) {
  const auto* detail = std::get_if<AuditDetail>(&change.after);
  if (detail == nullptr) return {};
  return boost::json::parse(detail->json).as_object();
}

inline const std::string laptop_id = "1842846715527366528";

inline Device device(const std::string& id, const std::string& name = "") {
  return {id, "MC-" + id, name.empty() ? "pc-" + id : name, "Windows 11", "2026-01-05T08:00:00Z"};
}

inline Scope scope(const std::string& id, int module_code = module_folder) {
  return {id, module_code, "C:/data/" + id, "/Backup/" + id, "2026-01-06T09:00:00Z"};
}

// Stores a device row in the snapshot.
inline void store(Snapshot& snapshot, const Device& d, int missing_count = 0) {
  snapshot.devices[d.device_id] = DeviceRow{d, missing_count};
}

// Stores a scope row; a stored scope implies its pair was fetched before.
inline void store(Snapshot& snapshot, const std::string& device_id, const Scope& s,
                  int missing_count = 0) {
  snapshot.scopes[ScopeKey{device_id, s.module_code, s.scope_id}] =
      ScopeRow{device_id, s, missing_count};
  snapshot.fetched_pairs.insert(PairKey{device_id, s.module_code});
}

inline Observation observe(std::vector<Device> devices) {
  Observation seen;
  seen.account_id = "1505084218764547200";
  seen.devices = std::move(devices);
  return seen;
}

inline Observation device_list_failed() {
  Observation seen;
  seen.account_id = "1505084218764547200";
  seen.devices = FetchFailure{"GET /backup/device: HTTP 503", 503, 0, true};
  return seen;
}

inline void fetched(Observation& seen, const std::string& device_id, int module_code,
                    std::vector<Scope> scopes) {
  seen.scope_fetches.push_back(ScopeFetch{PairKey{device_id, module_code}, std::move(scopes)});
}

inline void failed(Observation& seen, const std::string& device_id, int module_code) {
  seen.scope_fetches.push_back(ScopeFetch{
      PairKey{device_id, module_code},
      FetchFailure{"GET /scope?moduleCode=" + std::to_string(module_code) + ": HTTP 503", 503, 0,
                   true}});
}

// One laptop, known for a while: folder scopes a and b, album scope c, no address book scopes;
// all three pairs fetched before.
inline Snapshot known_laptop() {
  Snapshot snapshot;
  snapshot.account_id = "1505084218764547200";
  snapshot.device_list_fetched_before = true;
  store(snapshot, device(laptop_id, "laptop"));
  store(snapshot, laptop_id, scope("a"));
  store(snapshot, laptop_id, scope("b"));
  store(snapshot, laptop_id, scope("c", module_album));
  snapshot.fetched_pairs.insert(PairKey{laptop_id, module_address_book});
  return snapshot;
}

// What a poll of known_laptop() sees when nothing changed.
inline Observation laptop_unchanged() {
  Observation seen = observe({device(laptop_id, "laptop")});
  fetched(seen, laptop_id, module_folder, {scope("a"), scope("b")});
  fetched(seen, laptop_id, module_album, {scope("c", module_album)});
  fetched(seen, laptop_id, module_address_book, {});
  return seen;
}

inline Change device_added(const Device& d) {
  return Change{ChangeType::device_added, d.device_id, d.device_name, std::nullopt, {}, {}, d, {}};
}

inline Change device_removed(const Device& d) {
  return Change{ChangeType::device_removed, d.device_id, d.device_name, std::nullopt, {}, d, {},
                {}};
}

inline Change device_changed(const Device& before, const Device& after) {
  return Change{ChangeType::device_changed, after.device_id, after.device_name, std::nullopt, {},
                before, after, {}};
}

inline Change scope_added(const Device& owner, const Scope& s) {
  return Change{ChangeType::scope_added, owner.device_id, owner.device_name, s.module_code,
                s.scope_id, {}, s, {}};
}

inline Change scope_removed(const Device& owner, const Scope& s, std::string cause = {}) {
  return Change{ChangeType::scope_removed, owner.device_id, owner.device_name, s.module_code,
                s.scope_id, s, {}, std::move(cause)};
}

inline Change scope_changed(const Device& owner, const Scope& before, const Scope& after) {
  return Change{ChangeType::scope_changed, owner.device_id, owner.device_name, after.module_code,
                after.scope_id, before, after, {}};
}

inline bool nothing_written(const DiffResult& r) {
  return r.device_writes.empty() && r.scope_writes.empty() && r.new_pair_scopes.empty();
}

// Every scope write of a result, new_pair_scopes included, in (device, module, scope_id) order:
// what diff() gives in scope_writes alone.
inline std::vector<ScopeWrite> all_scope_writes(const DiffResult& r) {
  std::vector<ScopeWrite> writes = r.scope_writes;
  for (const PairScopes& pair : r.new_pair_scopes.unpack()) {
    for (const Scope& s : pair.scopes) {
      writes.push_back({RowWrite::seen, pair.pair.device_id, s, 0});
    }
  }
  std::sort(writes.begin(), writes.end(), [](const ScopeWrite& a, const ScopeWrite& b) {
    return std::tie(a.device_id, a.scope.module_code, a.scope.scope_id) <
           std::tie(b.device_id, b.scope.module_code, b.scope.scope_id);
  });
  return writes;
}

}  // namespace diff_test
}  // namespace kda
