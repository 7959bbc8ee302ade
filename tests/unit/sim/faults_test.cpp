#include "sim/faults.hpp"
#include "sim/json_fields.hpp"

#include <gtest/gtest.h>

namespace kda::sim {
namespace {

using namespace std::chrono_literals;

FaultRule rule(std::string_view text) { return parse_fault_rule(parse_document(text, "")); }

std::string rule_error(std::string_view text) {
  try {
    rule(text);
  } catch (const JsonFieldError& e) {
    return e.what();
  }
  return "accepted";
}

const RequestFacts devices{Endpoint::devices, {}, std::nullopt};
RequestFacts scopes(std::string_view device, int module) { return {Endpoint::scopes, device, module}; }

std::optional<FaultKind> kind_of(const FaultDecision& decision) {
  if (!decision.action) return std::nullopt;
  return decision.action->kind;
}

TEST(Faults, ACountRuleFiresForTheNextNMatchesThenGoes) {
  FaultRules rules;
  EXPECT_EQ(rules.add(rule(R"({"kind":"status","status":503,"retry_after":2,"count":2})")), 1u);
  for (int i = 0; i < 2; ++i) {
    const auto decision = rules.decide(devices);
    ASSERT_EQ(kind_of(decision), FaultKind::status);
    EXPECT_EQ(decision.action->http_status, 503);
    EXPECT_EQ(decision.action->retry_after, 2);
  }
  EXPECT_EQ(kind_of(rules.decide(devices)), std::nullopt);
  EXPECT_EQ(rules.size(), 0u);
}

TEST(Faults, AFractionIsRepeatableAndAboutRight) {
  auto run = [](std::string_view text) {
    FaultRules rules(5);
    rules.add(rule(text));
    std::vector<bool> fired;
    for (int i = 0; i < 10'000; ++i) fired.push_back(rules.decide(devices).action.has_value());
    return fired;
  };
  const auto first = run(R"({"kind":"drop","fraction":0.25})");
  EXPECT_EQ(first, run(R"({"kind":"drop","fraction":0.25})"));
  const auto hits = std::count(first.begin(), first.end(), true);
  EXPECT_GT(hits, 2300);
  EXPECT_LT(hits, 2700);
  EXPECT_NE(first, run(R"({"kind":"drop","fraction":0.25,"seed":77})"));
  EXPECT_EQ(run(R"({"kind":"drop","fraction":0.25,"seed":77})"),
            run(R"({"kind":"drop","fraction":0.25,"seed":77})"));
  const auto none = run(R"({"kind":"drop","fraction":0})");
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
  const auto all = run(R"({"kind":"drop","fraction":1})");
  EXPECT_EQ(std::count(all.begin(), all.end(), true), 10'000);
}

TEST(Faults, ARuleWithoutCountOrFractionStaysUntilCleared) {
  FaultRules rules;
  rules.add(rule(R"({"kind":"hang"})"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(kind_of(rules.decide(devices)), FaultKind::hang);
  rules.clear();
  EXPECT_EQ(kind_of(rules.decide(devices)), std::nullopt);
}

TEST(Faults, FiltersByEndpointDeviceAndModule) {
  FaultRules rules;
  rules.add(rule(R"({"kind":"malformed","endpoint":"scopes","device_id":"7","module_code":"101"})"));
  EXPECT_EQ(kind_of(rules.decide(devices)), std::nullopt);
  EXPECT_EQ(kind_of(rules.decide(scopes("7", 100))), std::nullopt);
  EXPECT_EQ(kind_of(rules.decide(scopes("8", 101))), std::nullopt);
  EXPECT_EQ(kind_of(rules.decide(scopes("7", 101))), FaultKind::malformed);

  FaultRules by_module;
  by_module.add(rule(R"({"kind":"truncated","module_code":102,"count":1})"));
  EXPECT_EQ(kind_of(by_module.decide(devices)), std::nullopt);
  EXPECT_EQ(kind_of(by_module.decide(scopes("1", 102))), FaultKind::truncated);

  FaultRules by_device;
  by_device.add(rule(R"({"kind":"wrong_type","device_id":"7"})"));
  EXPECT_EQ(kind_of(by_device.decide(devices)), std::nullopt) << "the device list has no device";
  EXPECT_EQ(kind_of(by_device.decide(scopes("7", 100))), FaultKind::wrong_type);

  FaultRules by_endpoint;
  by_endpoint.add(rule(R"({"kind":"drop","endpoint":"devices"})"));
  EXPECT_EQ(kind_of(by_endpoint.decide(scopes("7", 100))), std::nullopt);
  EXPECT_EQ(kind_of(by_endpoint.decide(devices)), FaultKind::drop);
}

TEST(Faults, LatenciesAddUpAndTheFirstOtherRuleDecides) {
  FaultRules rules;
  rules.add(rule(R"({"kind":"latency","ms":100})"));
  rules.add(rule(R"({"kind":"api_code","code":13000102,"http_status":400,"count":1})"));
  rules.add(rule(R"({"kind":"status","status":500,"count":1})"));
  rules.add(rule(R"({"kind":"latency","ms":20,"count":2})"));

  auto decision = rules.decide(devices);
  EXPECT_EQ(decision.extra_latency, 120ms);
  ASSERT_EQ(kind_of(decision), FaultKind::api_code);
  EXPECT_EQ(decision.action->api_code, 13000102);
  EXPECT_EQ(decision.action->http_status, 400);
  // The status rule was not consulted, so its count is intact.
  decision = rules.decide(devices);
  EXPECT_EQ(decision.extra_latency, 120ms);
  EXPECT_EQ(kind_of(decision), FaultKind::status);
  decision = rules.decide(devices);
  EXPECT_EQ(decision.extra_latency, 100ms);
  EXPECT_EQ(kind_of(decision), std::nullopt);
  EXPECT_EQ(rules.size(), 1u);
}

TEST(Faults, ApiCodeDefaults) {
  const auto r = rule(R"({"kind":"api_code"})");
  EXPECT_EQ(r.action.api_code, 13000201);
  EXPECT_EQ(r.action.http_status, 200);
}

TEST(Faults, RulesCanBeListedAndRemoved) {
  FaultRules rules;
  const auto first = rules.add(rule(R"({"kind":"drop","count":3,"endpoint":"devices"})"));
  rules.add(rule(R"({"kind":"latency","ms":5})"));
  const auto listed = rules.to_json();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].at("kind"), "drop");
  EXPECT_EQ(listed[0].at("count"), 3u);
  EXPECT_EQ(listed[0].at("endpoint"), "devices");
  EXPECT_EQ(listed[1].at("ms"), 5);
  EXPECT_TRUE(rules.remove(first));
  EXPECT_FALSE(rules.remove(first));
  EXPECT_EQ(rules.size(), 1u);
}

TEST(Faults, BadRulesAreRefusedByName) {
  EXPECT_EQ(rule_error(R"({"kind":"explode"})").substr(0, 5), "kind:");
  EXPECT_EQ(rule_error(R"({"count":1})"), "kind: missing");
  EXPECT_EQ(rule_error(R"({"kind":"drop","cnt":1})"), "cnt: unknown key");
  EXPECT_EQ(rule_error(R"({"kind":"drop","count":1,"fraction":0.5})"),
            "fraction: give either count or fraction, not both");
  EXPECT_EQ(rule_error(R"({"kind":"drop","fraction":1.5})"), "fraction: must be between 0 and 1");
  EXPECT_EQ(rule_error(R"({"kind":"drop","count":0})"), "count: must be at least 1");
  EXPECT_EQ(rule_error(R"({"kind":"latency"})"), "ms: missing (the delay in milliseconds)");
  EXPECT_EQ(rule_error(R"({"kind":"status"})"), "status: missing (the HTTP status to answer)");
  EXPECT_EQ(rule_error(R"({"kind":"status","status":99})"), "status: must be an HTTP status (100-599)");
  EXPECT_EQ(rule_error(R"({"kind":"drop","ms":5})"), "ms: not used by kind drop");
  EXPECT_EQ(rule_error(R"({"kind":"drop","endpoint":"records"})"),
            "endpoint: must be \"devices\" or \"scopes\"");
  EXPECT_EQ(rule_error(R"({"kind":"drop","module_code":"103"})"), "module_code: must be 100, 101 or 102");
  EXPECT_EQ(rule_error(R"([1])"), "document: expected an object");
}

}  // namespace
}  // namespace kda::sim
