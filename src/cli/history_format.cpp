#include "cli/history_format.hpp"

#include "cli/table.hpp"
#include "koodrive_audit/event_json.hpp"
#include "koodrive_audit/model.hpp"

#include <utility>

namespace kda::cli {

namespace {

// The fields a change can touch, identity fields left out (they cannot differ).
std::vector<std::pair<std::string_view, std::pair<std::string, std::string>>> field_pairs(
    const Scope& before, const Scope& after) {
  return {{"local_path", {before.local_path, after.local_path}},
          {"target_folder_path", {before.target_folder_path, after.target_folder_path}},
          {"create_time", {before.create_time, after.create_time}}};
}

std::vector<std::pair<std::string_view, std::pair<std::string, std::string>>> field_pairs(
    const Device& before, const Device& after) {
  return {{"device_name", {before.device_name, after.device_name}},
          {"machine_code", {before.machine_code, after.machine_code}},
          {"device_os", {before.device_os, after.device_os}},
          {"create_time", {before.create_time, after.create_time}}};
}

// An empty value would otherwise vanish from "a:  → b".
std::string shown(const std::string& value) { return value.empty() ? "\"\"" : value; }

template <class T>
std::string differences(const T& before, const T& after) {
  std::string text;
  for (const auto& [field, values] : field_pairs(before, after)) {
    if (values.first == values.second) continue;
    if (!text.empty()) text += "; ";
    text += std::string(field) + ": " + shown(values.first) + " → " + shown(values.second);
  }
  return text;
}

std::string record_summary(const StoredEvent& event) {
  const std::optional<Record> before = record_from_json(event.before_json);
  const std::optional<Record> after = record_from_json(event.after_json);
  if (before && after) {
    const auto* old_scope = std::get_if<Scope>(&*before);
    const auto* new_scope = std::get_if<Scope>(&*after);
    const auto* old_device = std::get_if<Device>(&*before);
    const auto* new_device = std::get_if<Device>(&*after);
    if (old_scope && new_scope) return differences(*old_scope, *new_scope);
    if (old_device && new_device) return differences(*old_device, *new_device);
    // Exactly one side is a record: an addition (after) or a removal (before).
    const Record& only = std::holds_alternative<std::monostate>(*after) ? *before : *after;
    if (const auto* scope = std::get_if<Scope>(&only)) return shown(scope->local_path);
    if (const auto* device = std::get_if<Device>(&only)) {
      return shown(device->device_name) + ", " + shown(device->device_os);
    }
  }
  // Not a device or scope record (an audit event's own payload): show it as stored.
  if (event.after_json != "null") return event.after_json;
  if (event.before_json != "null") return event.before_json;
  return {};
}

}  // namespace

std::string device_label(const StoredEvent& event) {
  if (event.device_id.empty()) return "-";
  if (event.device_name.empty()) return event.device_id;
  return event.device_name + " (" + event.device_id + ")";
}

std::string module_label(std::optional<int> module_code) {
  if (!module_code) return "-";
  if (const auto name = module_name(*module_code)) return std::string(*name);
  return std::to_string(*module_code);
}

std::string change_summary(const StoredEvent& event) {
  std::string text = record_summary(event);
  if (!event.cause.empty()) {
    text += text.empty() ? "cause: " + event.cause : " (cause: " + event.cause + ")";
  }
  return text;
}

std::string format_history(const std::vector<StoredEvent>& events) {
  if (events.empty()) return {};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(events.size());
  for (const StoredEvent& event : events) {
    rows.push_back({event.observed_at, event.type, device_label(event),
                    module_label(event.module_code), event.scope_id.empty() ? "-" : event.scope_id,
                    change_summary(event)});
  }
  return format_table({{"OBSERVED_AT"}, {"TYPE"}, {"DEVICE"}, {"MODULE"}, {"SCOPE"}, {"CHANGE"}},
                      rows);
}

}  // namespace kda::cli
