#pragma once
// verify's replay, apart from the database: baselines and events → the snapshot they imply,
// and that snapshot against the live tables. Pure: values in, problems out.
//
// Problems are one line each, naming the row ("seq 12: …", "baseline 3: …") or the item
// ("device <account>/<device>: …", "scope <account>/<device>/<module>/<scope>: …").
#include "koodrive_audit/model.hpp"
#include "koodrive_audit/store.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kda::store {

// The devices and scopes of one account.
struct AccountItems {
  std::map<std::string, Device> devices;  // by device_id
  std::map<ScopeKey, Scope> scopes;
};
using Items = std::map<std::string, AccountItems>;  // by account_id

// An events row as the replay reads it. "" stands for NULL; before_json / after_json hold
// "null" for NULL.
struct ReplayEvent {
  std::int64_t seq = 0;
  std::string type;
  std::string account_id;
  std::string device_id;
  std::optional<int> module_code;
  std::string scope_id;
  std::string before_json = "null";
  std::string after_json = "null";
};

// A baselines row: device_id "" (and no module_code) for a device list.
struct ReplayBaseline {
  std::int64_t baseline_id = 0;
  std::string account_id;
  std::string device_id;
  std::optional<int> module_code;
  std::string records_json;
};

class Replay {
 public:
  // A baseline adds its records; recording an item the history already holds is a problem.
  void apply(const ReplayBaseline& baseline, std::vector<VerifyProblem>& problems);
  // A device.* or scope.* event (other types are ignored): added adds, changed replaces,
  // removed erases. `before` must be the replayed state, `after` must name the row's item.
  // Returns whether the event was a replayable type.
  bool apply(const ReplayEvent& event, std::vector<VerifyProblem>& problems);

  const Items& items() const noexcept { return items_; }

 private:
  Items items_;
};

struct Comparison {
  std::int64_t devices = 0;  // live devices equal to the replay's
  std::int64_t scopes = 0;
  std::vector<VerifyProblem> problems;
};

// Names every item held by only one side, and every field that differs.
Comparison compare(const Items& replayed, const Items& live);

}  // namespace kda::store
