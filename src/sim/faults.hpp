#pragma once
// Fault rules (docs/simulator.md "Fault rule"): which requests to disturb and how.
//
// A rule matches a request by its filters (endpoint, device_id, module_code; absent = any).
// Among the rules that match, in the order they were added:
//  - a `count` rule fires for the next N matching requests, then is removed;
//  - a `fraction` rule fires for that share of matching requests; each rule draws from its own
//    SplitMix64 stream (seeded by the rule's `seed`, default derived from the simulator seed and
//    the rule id), so the same requests in the same order get the same decisions;
//  - a rule with neither fires for every matching request until the rules are cleared.
// Every firing `latency` rule adds its delay; the first firing rule of any other kind decides
// the answer, and later ones are not consulted (they neither fire nor draw).
//
// Not thread-safe; the Simulator serialises access.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::sim {

enum class Endpoint { devices, scopes, other };
// "devices" / "scopes" / "other": the names in rules and counters.
std::string_view to_string(Endpoint endpoint) noexcept;

enum class FaultKind { latency, status, api_code, malformed, truncated, wrong_type, drop, hang };
std::string_view to_string(FaultKind kind) noexcept;

// What a firing rule does to the answer.
struct FaultAction {
  FaultKind kind = FaultKind::latency;
  std::chrono::milliseconds latency{0};     // latency
  int http_status = 200;                    // status; api_code (default 200)
  std::optional<std::int64_t> retry_after;  // status: Retry-After seconds
  std::int64_t api_code = 0;                // api_code
  std::optional<std::string> msg;           // api_code: overrides the code's text
};

struct FaultRule {
  std::uint64_t id = 0;
  FaultAction action;
  std::optional<std::uint64_t> count;  // remaining firings
  std::optional<double> fraction;      // in [0, 1]
  std::optional<Endpoint> endpoint;
  std::optional<std::string> device_id;
  std::optional<int> module_code;
  std::optional<std::uint64_t> seed;  // as given; the stream below starts from it
  std::uint64_t draw_state = 0;
  std::uint64_t fired = 0;
};

// Parses a rule from the control API's JSON (without assigning its id or stream).
// Throws JsonFieldError naming the field ("fraction: must be between 0 and 1").
FaultRule parse_fault_rule(const boost::json::value& value);
boost::json::object fault_rule_json(const FaultRule& rule);

// The facts rules filter on.
struct RequestFacts {
  Endpoint endpoint = Endpoint::other;
  std::string_view device_id;        // scopes only
  std::optional<int> module_code;    // scopes only
};

struct FaultDecision {
  std::chrono::milliseconds extra_latency{0};
  std::optional<FaultAction> action;  // never FaultKind::latency
};

class FaultRules {
 public:
  explicit FaultRules(std::uint64_t seed = 1) : seed_(seed) {}

  // Assigns the rule its id (1, 2, …) and its draw stream; answers the id.
  std::uint64_t add(FaultRule rule);
  bool remove(std::uint64_t id);
  void clear() noexcept { rules_.clear(); }
  std::size_t size() const noexcept { return rules_.size(); }

  // Which faults this request gets; consumes counts and draws (see the header comment).
  FaultDecision decide(const RequestFacts& facts);

  boost::json::array to_json() const;

 private:
  std::vector<FaultRule> rules_;
  std::uint64_t next_id_ = 1;
  std::uint64_t seed_;
};

}  // namespace kda::sim
