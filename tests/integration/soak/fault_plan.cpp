#include "fault_plan.hpp"

#include <array>
#include <string_view>

namespace kda::test::soak {

namespace {

struct Kind {
  std::string_view label;
  std::string_view fields;  // the rule's JSON fields past kind-specific ones
  double weight;
};

// Every failure kind, 429 with and without Retry-After, 5xx both ways, code != 0 with HTTP 200;
// hangs are rarer because each costs a whole request timeout.
constexpr std::array failures{
    Kind{"status 429", R"("kind":"status","status":429)", 2},
    Kind{"status 429 retry-after", R"("kind":"status","status":429,"retry_after":0)", 1},
    Kind{"status 500", R"("kind":"status","status":500)", 2},
    Kind{"status 503", R"("kind":"status","status":503)", 2},
    Kind{"api_code", R"("kind":"api_code","code":13000201)", 3},
    Kind{"malformed", R"("kind":"malformed")", 2},
    Kind{"truncated", R"("kind":"truncated")", 2},
    Kind{"wrong_type", R"("kind":"wrong_type")", 2},
    Kind{"drop", R"("kind":"drop")", 2},
    Kind{"hang", R"("kind":"hang")", 1},
};
constexpr double latency_part = 0.15;  // of `fraction`, given to latency

}  // namespace

std::vector<PlannedFault> plan_faults(double fraction, std::uint64_t seed, int latency_ms) {
  const double latency_share = fraction * latency_part;
  // (1 - latency_share) · (1 - failure_share) = 1 - fraction
  const double failure_share = 1 - (1 - fraction) / (1 - latency_share);
  double total_weight = 0;
  for (const Kind& kind : failures) total_weight += kind.weight;

  std::vector<PlannedFault> plan;
  std::uint64_t rule_seed = seed * 1000;
  for (const std::string_view endpoint : {"devices", "scopes"}) {
    const auto rule = [&](std::string_view fields, double rule_fraction) {
      return "{" + std::string(fields) + R"(,"endpoint":")" + std::string(endpoint) +
             R"(","fraction":)" + std::to_string(rule_fraction) +
             R"(,"seed":)" + std::to_string(++rule_seed) + "}";
    };
    plan.push_back({std::string(endpoint) + " latency",
                    rule(R"("kind":"latency","ms":)" + std::to_string(latency_ms), latency_share),
                    latency_share});
    double taken = 0;  // by the failure rules before this one
    for (const Kind& kind : failures) {
      const double share = failure_share * kind.weight / total_weight;
      plan.push_back({std::string(endpoint) + " " + std::string(kind.label),
                      rule(kind.fields, share / (1 - taken)), share});
      taken += share;
    }
  }
  return plan;
}

}  // namespace kda::test::soak
