#include "sim/faults.hpp"

#include "sim/api_bodies.hpp"
#include "sim/json_fields.hpp"
#include "sim/random.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace kda::sim {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 8> kind_names{{
    {FaultKind::latency, "latency"},
    {FaultKind::status, "status"},
    {FaultKind::api_code, "api_code"},
    {FaultKind::malformed, "malformed"},
    {FaultKind::truncated, "truncated"},
    {FaultKind::wrong_type, "wrong_type"},
    {FaultKind::drop, "drop"},
    {FaultKind::hang, "hang"},
}};

[[noreturn]] void fail(std::string_view field, std::string_view problem) {
  throw JsonFieldError(std::string(field) + ": " + std::string(problem));
}

FaultKind parse_kind(const std::string& text) {
  for (const auto& [kind, name] : kind_names) {
    if (name == text) return kind;
  }
  fail("kind", "unknown kind \"" + text +
                   "\" (latency, status, api_code, malformed, truncated, wrong_type, drop, hang)");
}

int http_status_field(const json::object& object, std::string_view key, int fallback) {
  const auto value = optional_integer(object, key, "");
  if (!value) return fallback;
  if (*value < 100 || *value > 599) fail(key, "must be an HTTP status (100-599)");
  return static_cast<int>(*value);
}

// Fields each kind may carry, beyond the common ones.
void reject_fields_of_other_kinds(const json::object& object, FaultKind kind) {
  struct Owner {
    std::string_view field;
    FaultKind kind;
  };
  constexpr Owner owners[] = {
      {"ms", FaultKind::latency},        {"status", FaultKind::status},
      {"retry_after", FaultKind::status}, {"code", FaultKind::api_code},
      {"http_status", FaultKind::api_code}, {"msg", FaultKind::api_code},
  };
  for (const auto& owner : owners) {
    if (object.contains(owner.field) && kind != owner.kind)
      fail(owner.field, "not used by kind " + std::string(to_string(kind)));
  }
}

bool matches(const FaultRule& rule, const RequestFacts& facts) {
  if (rule.endpoint && *rule.endpoint != facts.endpoint) return false;
  if (rule.device_id && (facts.endpoint != Endpoint::scopes || *rule.device_id != facts.device_id))
    return false;
  if (rule.module_code && rule.module_code != facts.module_code) return false;
  return true;
}

// Whether a matching rule fires this time; consumes a count or a draw.
bool fires(FaultRule& rule) {
  if (rule.count) {
    if (*rule.count == 0) return false;
    --*rule.count;
    return true;
  }
  if (rule.fraction) return unit_interval(splitmix64(rule.draw_state)) < *rule.fraction;
  return true;
}

}  // namespace

std::string_view to_string(Endpoint endpoint) noexcept {
  switch (endpoint) {
    case Endpoint::devices: return "devices";
    case Endpoint::scopes: return "scopes";
    case Endpoint::other: return "other";
  }
  return "other";
}

std::string_view to_string(FaultKind kind) noexcept {
  for (const auto& [value, name] : kind_names) {
    if (value == kind) return name;
  }
  return "unknown";
}

FaultRule parse_fault_rule(const json::value& value) {
  const auto& object = as_object(value, "");
  reject_unknown_keys(object,
                      {"kind", "count", "fraction", "endpoint", "device_id", "module_code", "seed",
                       "ms", "status", "retry_after", "code", "http_status", "msg"},
                      "");
  FaultRule rule;
  FaultAction& action = rule.action;
  action.kind = parse_kind(required_string(object, "kind", ""));
  reject_fields_of_other_kinds(object, action.kind);

  if (const auto count = optional_integer(object, "count", "")) {
    if (*count < 1) fail("count", "must be at least 1");
    rule.count = static_cast<std::uint64_t>(*count);
  }
  if (const auto fraction = optional_number(object, "fraction", "")) {
    if (rule.count) fail("fraction", "give either count or fraction, not both");
    if (!(*fraction >= 0.0 && *fraction <= 1.0)) fail("fraction", "must be between 0 and 1");
    rule.fraction = *fraction;
  }
  if (const auto endpoint = optional_string(object, "endpoint", "")) {
    if (*endpoint == "devices") rule.endpoint = Endpoint::devices;
    else if (*endpoint == "scopes") rule.endpoint = Endpoint::scopes;
    else fail("endpoint", "must be \"devices\" or \"scopes\"");
  }
  rule.device_id = optional_string(object, "device_id", "");
  if (const auto module = optional_integer(object, "module_code", "")) {
    if (*module != 100 && *module != 101 && *module != 102)
      fail("module_code", "must be 100, 101 or 102");
    rule.module_code = static_cast<int>(*module);
  }
  if (const auto seed = optional_integer(object, "seed", "")) {
    if (*seed < 0) fail("seed", "must not be negative");
    rule.seed = static_cast<std::uint64_t>(*seed);
  }

  switch (action.kind) {
    case FaultKind::latency: {
      const auto ms = optional_integer(object, "ms", "");
      if (!ms) fail("ms", "missing (the delay in milliseconds)");
      if (*ms < 0) fail("ms", "must not be negative");
      action.latency = std::chrono::milliseconds(*ms);
      break;
    }
    case FaultKind::status:
      if (!object.contains("status")) fail("status", "missing (the HTTP status to answer)");
      action.http_status = http_status_field(object, "status", 500);
      if (const auto seconds = optional_integer(object, "retry_after", "")) {
        if (*seconds < 0) fail("retry_after", "must not be negative");
        action.retry_after = *seconds;
      }
      break;
    case FaultKind::api_code:
      action.api_code = optional_integer(object, "code", "").value_or(code_server_failure);
      action.http_status = http_status_field(object, "http_status", 200);
      action.msg = optional_string(object, "msg", "");
      break;
    default:
      break;
  }
  return rule;
}

json::object fault_rule_json(const FaultRule& rule) {
  json::object out;
  out.emplace("id", rule.id);
  out.emplace("kind", to_string(rule.action.kind));
  if (rule.count) out.emplace("count", *rule.count);
  if (rule.fraction) out.emplace("fraction", *rule.fraction);
  if (rule.endpoint) out.emplace("endpoint", to_string(*rule.endpoint));
  if (rule.device_id) out.emplace("device_id", *rule.device_id);
  if (rule.module_code) out.emplace("module_code", std::to_string(*rule.module_code));
  if (rule.seed) out.emplace("seed", *rule.seed);
  const FaultAction& action = rule.action;
  switch (action.kind) {
    case FaultKind::latency: out.emplace("ms", action.latency.count()); break;
    case FaultKind::status:
      out.emplace("status", action.http_status);
      if (action.retry_after) out.emplace("retry_after", *action.retry_after);
      break;
    case FaultKind::api_code:
      out.emplace("code", action.api_code);
      out.emplace("http_status", action.http_status);
      if (action.msg) out.emplace("msg", *action.msg);
      break;
    default: break;
  }
  out.emplace("fired", rule.fired);
  return out;
}

std::uint64_t FaultRules::add(FaultRule rule) {
  rule.id = next_id_++;
  std::uint64_t mix = seed_ ^ (rule.id * 0x9e3779b97f4a7c15ULL);
  rule.draw_state = rule.seed ? *rule.seed : splitmix64(mix);
  rules_.push_back(std::move(rule));
  return rules_.back().id;
}

bool FaultRules::remove(std::uint64_t id) {
  const auto it =
      std::find_if(rules_.begin(), rules_.end(), [id](const FaultRule& r) { return r.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  return true;
}

FaultDecision FaultRules::decide(const RequestFacts& facts) {
  FaultDecision decision;
  for (auto& rule : rules_) {
    const bool latency = rule.action.kind == FaultKind::latency;
    if (!latency && decision.action) continue;
    if (!matches(rule, facts) || !fires(rule)) continue;
    ++rule.fired;
    if (latency) decision.extra_latency += rule.action.latency;
    else decision.action = rule.action;
  }
  std::erase_if(rules_, [](const FaultRule& r) { return r.count && *r.count == 0; });
  return decision;
}

json::array FaultRules::to_json() const {
  json::array out;
  for (const auto& rule : rules_) out.emplace_back(fault_rule_json(rule));
  return out;
}

}  // namespace kda::sim
