#include "sinks/alert_payload.hpp"

#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/model.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace kda {

namespace {

namespace json = boost::json;

// The few fields of a before/after record a human needs. Read leniently: the description must
// not fail on a record shape this version does not know (issue #6 adds event types).
struct RecordView {
  bool present = false;
  bool readable = true;
  std::string local_path;
  std::string target_folder_path;
  std::string device_name;
  std::string device_os;
};

std::string string_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

RecordView read_record(const std::string& text) {
  RecordView view;
  if (text.empty() || text == "null") return view;
  view.present = true;
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) {
    view.readable = false;
    return view;
  }
  const json::object& object = value.get_object();
  view.local_path = string_field(object, "local_path");
  view.target_folder_path = string_field(object, "target_folder_path");
  view.device_name = string_field(object, "device_name");
  view.device_os = string_field(object, "device_os");
  return view;
}

bool is_coverage_event(std::string_view type) {
  return type == "coverage.lost" || type == "coverage.restored";
}

// "scope.removed" → {"scope", "removed"}; a type without a dot is all subject.
std::pair<std::string_view, std::string_view> split_type(std::string_view type) {
  const auto dot = type.find('.');
  if (dot == std::string_view::npos) return {type, {}};
  return {type.substr(0, dot), type.substr(dot + 1)};
}

std::string device_label(const StoredEvent& event) {
  if (!event.device_name.empty()) return event.device_name;
  if (!event.device_id.empty()) return "device " + event.device_id;
  return {};
}

// "folder", or "module 105" for a code KooDrive does not define.
std::string module_label(int module_code) {
  if (const auto name = module_name(module_code)) return std::string(*name);
  return "module " + std::to_string(module_code);
}

std::string describe_record(const RecordView& record) {
  if (!record.present) return "none";
  if (!record.readable) return "(unreadable record)";
  if (!record.local_path.empty() || !record.target_folder_path.empty()) {
    std::string text = record.local_path.empty() ? "(no local path)" : record.local_path;
    if (!record.target_folder_path.empty()) text += ", backed up to " + record.target_folder_path;
    return text;
  }
  if (!record.device_name.empty()) {
    std::string text = "device " + record.device_name;
    if (!record.device_os.empty()) text += " (" + record.device_os + ")";
    return text;
  }
  return "(no paths recorded)";
}

void put_label(json::object& labels, std::string_view name, std::string_view value) {
  if (!value.empty()) labels[name] = value;
}

}  // namespace

std::string alert_summary(const StoredEvent& event) {
  const auto [subject, verb] = split_type(event.type);
  const std::string device = device_label(event);
  if (subject == "scope" && !verb.empty()) {
    const RecordView before = read_record(event.before_json);
    const RecordView after = read_record(event.after_json);
    // A removal names what was backed up; an addition or change names what is now.
    const RecordView& primary = verb == "removed" ? before : after;
    const RecordView& fallback = verb == "removed" ? after : before;
    std::string where = event.module_code ? module_label(*event.module_code) : "scope";
    if (!primary.local_path.empty()) {
      where += " " + primary.local_path;
    } else if (!fallback.local_path.empty()) {
      where += " " + fallback.local_path;
    } else if (!event.scope_id.empty()) {
      where += (event.module_code ? " scope " : " ") + event.scope_id;
    }
    std::string text = "Backup scope " + std::string(verb);
    if (!device.empty()) text += " on " + device;
    return text + " (" + where + ")";
  }
  if (subject == "device" && !verb.empty()) {
    return "Backup device " + std::string(verb) + ": " + (device.empty() ? "unknown" : device);
  }
  if (is_coverage_event(event.type)) {
    const bool lost = event.type == "coverage.lost";
    std::string text = lost ? "KooDrive audit lost sight of " : "KooDrive audit sees again ";
    if (device.empty()) return text + "the device list of account " + event.account_id;
    text += device;
    if (event.module_code) text += " (" + module_label(*event.module_code) + ")";
    return text;
  }
  if (event.type == "audit.suspect_mass_removal") {
    return "KooDrive audit held a suspect mass removal in account " + event.account_id;
  }
  std::string text = "KooDrive audit: " + event.type;
  if (!device.empty()) {
    text += " on " + device;
    if (event.module_code) text += " (" + module_label(*event.module_code) + ")";
  } else if (!event.account_id.empty()) {
    text += " for account " + event.account_id;
  }
  return text;
}

std::string alert_description(const StoredEvent& event) {
  std::string text = alert_summary(event) + ".\n";
  if (!event.device_id.empty() || !event.device_name.empty()) {
    text += "Device: " + (event.device_name.empty() ? std::string("(unnamed)") : event.device_name);
    if (!event.device_id.empty()) text += " (id " + event.device_id + ")";
    text += "\n";
  }
  if (!event.account_id.empty()) text += "Account: " + event.account_id + "\n";
  if (event.module_code) {
    text += "Module: " + module_label(*event.module_code) + " (code " +
            std::to_string(*event.module_code) + ")\n";
  }
  if (!event.scope_id.empty()) text += "Scope: " + event.scope_id + "\n";
  const RecordView before = read_record(event.before_json);
  const RecordView after = read_record(event.after_json);
  const bool audit_event = is_coverage_event(event.type) || event.type.starts_with("audit.");
  if (audit_event) {
    // The audit's own record (counts, the last error) is already compact JSON.
    if (after.present) text += "Detail: " + event.after_json + "\n";
  } else if (before.present || after.present) {
    text += "Before: " + describe_record(before) + "\n";
    text += "After: " + describe_record(after) + "\n";
  }
  if (!event.cause.empty()) text += "Cause: " + event.cause + "\n";
  text += "Event: " + event.event_id + ", observed at " + event.observed_at;
  return text;
}

Result<json::object> event_to_alert(const StoredEvent& event,
                                    const AlertmanagerSinkOptions& options) {
  const auto observed = parse_iso8601(event.observed_at);
  if (!observed) {
    return make_error(errc::invalid_request, "event " + event.event_id,
                      "observed_at \"" + event.observed_at + "\" is not ISO-8601");
  }

  // coverage.lost and coverage.restored of one target carry the same labels (the lost one's
  // severity, no type), so that Alertmanager takes the restore as the lost alert's resolution.
  const bool coverage = is_coverage_event(event.type);
  const std::string severity_of = coverage ? std::string("coverage.lost") : event.type;
  json::object labels;
  put_label(labels, "alertname", coverage ? coverage_alert_name : alert_name);
  if (const auto severity = options.severity.find(severity_of); severity != options.severity.end()) {
    put_label(labels, "severity", severity->second);
  }
  if (!coverage) put_label(labels, "type", event.type);
  put_label(labels, "account", event.account_id);
  put_label(labels, "device", event.device_id);
  if (event.module_code) {
    const auto name = module_name(*event.module_code);
    put_label(labels, "module", name ? std::string(*name) : std::to_string(*event.module_code));
  }
  put_label(labels, "scope_id", event.scope_id);

  json::object annotations;
  annotations["summary"] = alert_summary(event);
  annotations["description"] = alert_description(event);
  annotations["event_id"] = event.event_id;

  json::object alert;
  alert["labels"] = std::move(labels);
  alert["annotations"] = std::move(annotations);
  alert["startsAt"] = format_iso8601(*observed);
  SystemTime ends = *observed + options.alert_duration;
  if (event.type == "coverage.lost") ends = *observed + coverage_lost_bound;
  if (event.type == "coverage.restored") ends = *observed;
  alert["endsAt"] = format_iso8601(ends);
  if (options.generator_url && !options.generator_url->empty()) {
    alert["generatorURL"] = *options.generator_url;
  }
  return alert;
}

Result<std::string> alerts_body(std::span<const StoredEvent> events,
                                const AlertmanagerSinkOptions& options) {
  json::array alerts;
  alerts.reserve(events.size());
  for (const StoredEvent& event : events) {
    auto alert = event_to_alert(event, options);
    if (!alert) return alert.error();
    alerts.emplace_back(std::move(*alert));
  }
  return json::serialize(alerts);
}

}  // namespace kda
