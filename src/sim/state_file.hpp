#pragma once
// The state-file format (docs/simulator.md "State file"), which is also what GET /_sim/state
// answers:
//   {"users":[{"user_id":"…","devices":[{"deviceId","machineCode","deviceName","deviceOS",
//     "createTime","scopes":{"100":[{"scopeId","localPath","targetFolderPath","createTime"}],
//     "101":[…],"102":[…]}}]}]}
// Loading is strict: unknown keys, wrong types, unknown module codes and duplicate IDs are
// errors naming the JSON path. `createTime` and `scopes` may be omitted.
#include "sim/state.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace kda::sim {

// The createTime given to a device or scope a state file lists without one.
inline constexpr std::string_view default_create_time = "2025-01-01T00:00:00.000Z";

boost::json::value state_to_json(const SimState& state);

// Adds the document's users, devices and scopes to `state`.
// Throws JsonFieldError ("users[0].devices[1].scopes.100[0].scopeId: expected a string").
void load_state(SimState& state, const boost::json::value& document);

}  // namespace kda::sim
