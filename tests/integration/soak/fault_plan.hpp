#pragma once
// The fault soak's fault rules (pure): koodrive-sim `fraction` rules that together disturb
// `fraction` of all requests on each endpoint with every kind of fault the simulator has.
//
// The simulator consults rules in order and stops at the first firing rule that is not latency
// (docs/simulator.md), so a later rule only sees the requests the earlier ones let through: each
// rule's own fraction is its share divided by what is left, and the shares add up. Latency rules
// always draw; their share is independent of the others', so the requests left undisturbed are
// (1 - latency share) · (1 - the other shares) = 1 - fraction.
#include <cstdint>
#include <string>
#include <vector>

namespace kda::test::soak {

struct PlannedFault {
  std::string label;  // "scopes status 503": endpoint and kind, how the report names it
  std::string rule;   // the JSON body for POST /_sim/faults
  double share = 0;   // of all the endpoint's requests
};

// `latency_ms` must stay below the daemon's request timeout, so latency alone never fails a fetch.
std::vector<PlannedFault> plan_faults(double fraction, std::uint64_t seed, int latency_ms);

}  // namespace kda::test::soak
