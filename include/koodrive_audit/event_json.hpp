#pragma once
// A Record (device, scope or nothing) as the JSON text stored in events.before_json /
// after_json and sent as an event's "before" / "after". Keys are snake_case, in this order:
//   device: {"device_id","machine_code","device_name","device_os","create_time"}
//   scope:  {"scope_id","module_code","local_path","target_folder_path","create_time"}
// module_code is a JSON number; every ID stays a string. Output is compact (no spaces).
// Pure functions, no I/O; record_from_json reports malformed input as std::nullopt.
#include "koodrive_audit/model.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace kda {

// std::monostate → "null"; an AuditDetail → its JSON, as it is.
std::string record_to_json(const Record& record);

// record_to_json of a device or a scope, appended to `out`: for a writer of many records (a
// baseline of 90,000 scopes), which then neither copies each into a Record nor builds a string
// for it.
void append_record_json(std::string& out, const Device& device);
void append_record_json(std::string& out, const Scope& scope);

// The inverse: "null" → std::monostate; an object with "device_id" → Device, with "scope_id"
// → Scope. Anything else (not JSON, missing or mistyped key, extra key, an audit event's
// detail) → std::nullopt.
std::optional<Record> record_from_json(std::string_view json);

}  // namespace kda
