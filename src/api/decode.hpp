#pragma once
// KooDrive response bodies → typed records (Boost.JSON). Pure: bytes in, Result out.
// Every error names the request (`context`) and the field ("data[3].deviceId: expected string").
// IDs stay strings; a numeric deviceId/scopeId is an error, never converted.
// Success is `code == 0`; any other code is errc::api_error carrying code and msg.
#include "koodrive_audit/error.hpp"
#include "koodrive_audit/model.hpp"

#include <string_view>
#include <vector>

namespace kda::api {

struct DecodeLimits {
  std::size_t max_depth = 32;  // nesting of arrays/objects
};

// GET /koodrive/ose/v1/backup/device → data[]
Result<std::vector<Device>> decode_device_list(std::string_view body, std::string_view context,
                                               const DecodeLimits& limits = {});
// GET …/device/{id}/scope?moduleCode=N → top-level scopeList[]. Every scope's moduleCode must
// equal `module_code` (the one asked for).
Result<std::vector<Scope>> decode_scope_list(std::string_view body, int module_code,
                                             std::string_view context,
                                             const DecodeLimits& limits = {});
// The error a non-200 answer means (koodrive-api.md §4 and its decisions): 429/5xx transient,
// 400 with 13000102 permanent, 13000201 transient, 400 without a known code = auth_rejected,
// 401/403 auth_rejected, other statuses errc::http_status. Reads `code`/`msg` if the body is
// a JSON envelope; a body that is not is fine (reported as detail, first 200 bytes).
Error error_from_status(int http_status, std::string_view body, std::string_view context);

}  // namespace kda::api
