#pragma once
// The control API under /_sim/ (docs/simulator.md "Control API"): JSON in, JSON out, no
// authentication. Changes the state, the fault rules and the counters it is given; pure apart
// from that (the time comes in as `now`, used for the createTime of what it adds).
//
// Answers 200 with the JSON the documentation names; 400 {"error":"…"} for a body that is not
// what the request needs (the message names the field), 404 for an unknown device, scope, rule
// or path, 405 for a known path with the wrong method, 409 for an ID that is taken.
#include "koodrive_audit/clock.hpp"
#include "sim/counters.hpp"
#include "sim/faults.hpp"
#include "sim/state.hpp"

#include <string>
#include <string_view>

namespace kda::sim {

struct ControlTarget {
  SimState& state;
  FaultRules& faults;
  Counters& counters;
};

struct ControlAnswer {
  int status = 200;
  std::string body;  // JSON
};

// `path` is percent-decoded, without the query, and starts with "/_sim".
ControlAnswer handle_control(std::string_view method, std::string_view path,
                             std::string_view body, ControlTarget target, SystemTime now);

}  // namespace kda::sim
