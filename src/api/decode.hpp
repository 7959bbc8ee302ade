#pragma once
// KooDrive response bodies → typed records (Boost.JSON). Pure: bytes in, Result out; no state,
// thread-safe, never throws for any input (only std::bad_alloc).
//
// Every error carries the request (`context`, as given) and, in `detail`, the field path and
// what was wrong: "data[3].deviceId: expected a string of decimal digits, got number".
//
// What is checked (koodrive-api.md §4, §5; DESIGN.md §3):
//  - The body is one JSON value, valid UTF-8 (unpaired \u surrogates too), nested at most
//    DecodeLimits::max_depth deep; else errc::malformed_response with the byte offset.
//  - The envelope: `code` is an integer, or a string of decimal digits ("0"; the pages say a few
//    file APIs send it as a string). 0 is success; anything else is errc::api_error with
//    api_code and api_msg (`msg` if it is a string, control characters as \xNN so that it
//    stays on one log line) set, whatever the rest of the body holds.
//    `msg` is otherwise not checked. Unknown fields anywhere are ignored.
//  - On success the list (`data` / top-level `scopeList`) must be present and an array:
//    missing or null is an error, never "no devices" / "no scopes".
//  - IDs (deviceId, scopeId) are JSON strings of 1..32 decimal digits, kept as strings
//    (19-digit IDs exceed 2^53); a number is an error, never converted.
//  - Required strings: deviceId, machineCode, createTime; scopeId, moduleCode, createTime.
//    Nullable strings (absent or null read as ""): deviceName, deviceOS (optional when a device
//    is bound), localPath, targetFolderPath (one of them may be empty when a scope is added) —
//    but a scope with both paths empty is an error. Any other type is an error.
//  - moduleCode is a JSON string "100" | "101" | "102" (a number is an error) and equals the
//    module asked for.
#include "koodrive_audit/error.hpp"
#include "koodrive_audit/model.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace kda::api {

struct DecodeLimits {
  std::size_t max_depth = 32;  // nesting of arrays/objects; the envelopes need 3
};

// GET /koodrive/ose/v1/backup/device → data[], in the order KooDrive sent them.
Result<std::vector<Device>> decode_device_list(std::string_view body, std::string_view context,
                                               const DecodeLimits& limits = {});

// GET …/device/{id}/scope?moduleCode=N → top-level scopeList[]. Every scope's moduleCode must
// equal `module_code` (the one asked for); an unknown `module_code` is errc::invalid_request.
Result<std::vector<Scope>> decode_scope_list(std::string_view body, int module_code,
                                             std::string_view context,
                                             const DecodeLimits& limits = {});

// The error a non-200 answer means (koodrive-api.md §4 and its decisions). Always sets
// http_status; sets api_code/api_msg when the body is a JSON envelope with an integer (or
// decimal-string) `code`:
//   400 with code != 0          → errc::api_error (13000201 transient, others permanent)
//   400 without such a code     → errc::auth_rejected ("鉴权不通过", permanent)
//   401, 403                    → errc::auth_rejected (permanent)
//   429, 5xx, any other status  → errc::http_status (transient for 429 and 5xx only)
// When no code could be read, `detail` holds the first 200 bytes of the body (control and
// non-ASCII bytes as \xNN), or "empty body".
Error error_from_status(int http_status, std::string_view body, std::string_view context);

}  // namespace kda::api
