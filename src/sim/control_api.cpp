#include "sim/control_api.hpp"

#include "sim/api_bodies.hpp"
#include "sim/json_fields.hpp"
#include "sim/state_file.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <vector>

namespace kda::sim {

namespace json = boost::json;

namespace {

ControlAnswer answer(const json::value& value) { return {200, json::serialize(value)}; }

ControlAnswer problem(int status, std::string_view message) {
  json::object body;
  body.emplace("error", message);
  return {status, json::serialize(body)};
}

int status_of(StateErrc kind) {
  switch (kind) {
    case StateErrc::not_found: return 404;
    case StateErrc::conflict: return 409;
    case StateErrc::invalid: return 400;
  }
  return 400;
}

template <class T>
ControlAnswer from_result(const StateResult<T>& result, json::object (*to_json)(const T&, bool)) {
  if (!result) return problem(status_of(result.error().kind), result.error().message);
  return answer(to_json(*result, false));
}

// "/_sim/devices/123/scopes" → {"devices", "123", "scopes"}; a trailing "/" is ignored.
std::vector<std::string_view> segments_after_prefix(std::string_view path) {
  path.remove_prefix(std::string_view("/_sim").size());
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    if (path.empty()) break;
    const auto end = path.find('/');
    out.push_back(path.substr(0, end));
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
  }
  return out;
}

const json::object& body_object(const json::value& document) { return as_object(document, ""); }

ControlAnswer add_user(ControlTarget target, const json::value& document) {
  const auto& object = body_object(document);
  reject_unknown_keys(object, {"user_id"}, "");
  std::string user_id = required_string(object, "user_id", "");
  if (user_id.empty()) return problem(400, "user_id: empty");
  if (!target.state.add_user(user_id)) return problem(409, "user " + user_id + " already exists");
  json::object out;
  out.emplace("user_id", user_id);
  return answer(out);
}

ControlAnswer add_device(ControlTarget target, const json::value& document, SystemTime now) {
  const auto& object = body_object(document);
  reject_unknown_keys(object,
                      {"user_id", "deviceId", "machineCode", "deviceName", "deviceOS", "createTime"},
                      "");
  NewDevice spec{optional_string(object, "user_id", "").value_or(""),
                 optional_string(object, "deviceId", ""),
                 required_string(object, "machineCode", ""),
                 required_string(object, "deviceName", ""),
                 required_string(object, "deviceOS", ""),
                 optional_string(object, "createTime", "").value_or(format_iso8601(now))};
  return from_result(target.state.add_device(std::move(spec)), &device_json);
}

ControlAnswer change_device(ControlTarget target, std::string_view device_id,
                            const json::value& document) {
  const auto& object = body_object(document);
  reject_unknown_keys(object, {"machineCode", "deviceName", "deviceOS"}, "");
  const DeviceChange change{optional_string(object, "machineCode", ""),
                            optional_string(object, "deviceName", ""),
                            optional_string(object, "deviceOS", "")};
  return from_result(target.state.change_device(device_id, change), &device_json);
}

ControlAnswer add_scope(ControlTarget target, std::string_view device_id,
                        const json::value& document, SystemTime now) {
  const auto& object = body_object(document);
  reject_unknown_keys(object,
                      {"moduleCode", "scopeId", "localPath", "targetFolderPath", "createTime"}, "");
  const auto module = optional_integer(object, "moduleCode", "");
  if (!module) return problem(400, "moduleCode: missing");
  if (!module_slot(static_cast<int>(*module)) || *module != static_cast<int>(*module))
    return problem(400, "moduleCode: must be 100, 101 or 102");
  NewScope spec{static_cast<int>(*module), optional_string(object, "scopeId", ""),
                required_string(object, "localPath", ""),
                required_string(object, "targetFolderPath", ""),
                optional_string(object, "createTime", "").value_or(format_iso8601(now))};
  return from_result(target.state.add_scope(device_id, std::move(spec)), &scope_json);
}

ControlAnswer change_scope(ControlTarget target, std::string_view device_id,
                           std::string_view scope_id, const json::value& document) {
  const auto& object = body_object(document);
  reject_unknown_keys(object, {"localPath", "targetFolderPath"}, "");
  const ScopeChange change{optional_string(object, "localPath", ""),
                           optional_string(object, "targetFolderPath", "")};
  return from_result(target.state.change_scope(device_id, scope_id, change), &scope_json);
}

ControlAnswer faults(ControlTarget target, std::string_view method, const json::value* document,
                     std::string_view rule_id) {
  if (!rule_id.empty()) {
    if (method != "DELETE") return problem(405, "method not allowed");
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(rule_id.data(), rule_id.data() + rule_id.size(), id);
    if (ec != std::errc{} || end != rule_id.data() + rule_id.size() || !target.faults.remove(id))
      return problem(404, "no fault rule " + std::string(rule_id));
    return answer(json::object{{"removed", 1}});
  }
  if (method == "GET") return answer(json::object{{"faults", target.faults.to_json()}});
  if (method == "DELETE") {
    const auto removed = target.faults.size();
    target.faults.clear();
    return answer(json::object{{"removed", removed}});
  }
  if (method != "POST") return problem(405, "method not allowed");
  const auto id = target.faults.add(parse_fault_rule(*document));
  return answer(json::object{{"id", id}});
}

ControlAnswer route(std::string_view method, std::string_view path, std::string_view body,
                    ControlTarget target, SystemTime now) {
  const std::vector<std::string_view> parts = segments_after_prefix(path);
  // Parsed only by the requests that take a body, so a GET or DELETE ignores one.
  json::value document;
  auto parsed = [&]() -> const json::value& {
    document = parse_document(body.empty() ? std::string_view("null") : body, "body");
    return document;
  };
  const auto n = parts.size();
  const std::string_view head = n > 0 ? parts[0] : std::string_view();
  auto wrong_method = [] { return problem(405, "method not allowed"); };

  if (head == "state" && n == 1)
    return method == "GET" ? answer(state_to_json(target.state)) : wrong_method();
  if (head == "counters" && n == 1)
    return method == "GET" ? answer(target.counters.to_json()) : wrong_method();
  if (head == "counters" && n == 2 && parts[1] == "reset") {
    if (method != "POST") return wrong_method();
    target.counters.reset();
    return answer(target.counters.to_json());
  }
  if (head == "faults" && n <= 2) {
    const bool needs_body = n == 1 && method == "POST";
    return faults(target, method, needs_body ? &parsed() : nullptr, n == 2 ? parts[1] : "");
  }
  if (head == "users" && n == 1)
    return method == "POST" ? add_user(target, parsed()) : wrong_method();
  if (head == "devices") {
    if (n == 1) return method == "POST" ? add_device(target, parsed(), now) : wrong_method();
    const std::string_view device_id = parts[1];
    if (n == 2) {
      if (method == "PATCH") return change_device(target, device_id, parsed());
      if (method == "DELETE") return from_result(target.state.remove_device(device_id), &device_json);
      return wrong_method();
    }
    if (parts[2] == "scopes" && n == 3)
      return method == "POST" ? add_scope(target, device_id, parsed(), now) : wrong_method();
    if (parts[2] == "scopes" && n == 4) {
      if (method == "PATCH") return change_scope(target, device_id, parts[3], parsed());
      if (method == "DELETE")
        return from_result(target.state.remove_scope(device_id, parts[3]), &scope_json);
      return wrong_method();
    }
  }
  return problem(404, "no control endpoint " + std::string(method) + " " + std::string(path));
}

}  // namespace

ControlAnswer handle_control(std::string_view method, std::string_view path,
                             std::string_view body, ControlTarget target, SystemTime now) {
  try {
    return route(method, path, body, target, now);
  } catch (const JsonFieldError& e) {
    return problem(400, e.what());
  }
}

}  // namespace kda::sim
