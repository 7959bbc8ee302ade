#pragma once
// The bodies the two KooDrive endpoints answer, in exactly the documented shapes
// (koodrive-api.md §5, DESIGN.md §3):
//   device list: {"code":0,"msg":"success","data":[{deviceId,machineCode,deviceName,deviceOS,createTime}]}
//   scope list:  {"code":0,"msg":"success","scopeList":[{localPath,targetFolderPath,scopeId,moduleCode,createTime}]}
// IDs are strings and moduleCode is a string ("100"), as KooDrive sends them; `ids_as_numbers`
// builds the `wrong_type` fault's variant with deviceId / scopeId as JSON numbers.
// Pure functions, serialised with Boost.JSON.
#include "koodrive_audit/model.hpp"
#include "sim/state.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kda::sim {

boost::json::object device_json(const Device& device, bool ids_as_numbers = false);
boost::json::object scope_json(const Scope& scope, bool ids_as_numbers = false);

std::string device_list_body(const std::vector<SimDevice>& devices, bool ids_as_numbers = false);
std::string scope_list_body(const std::vector<Scope>& scopes, bool ids_as_numbers = false);

// {"code":<code>,"msg":"<msg>"}
std::string error_body(std::int64_t code, std::string_view msg);

// KooDrive's business codes the simulator answers, and their texts.
inline constexpr std::int64_t code_bad_parameter = 13000102;
inline constexpr std::int64_t code_server_failure = 13000201;
inline constexpr std::int64_t code_not_found = 13000309;
inline constexpr std::string_view msg_bad_parameter = "Verify parameters failed";
inline constexpr std::string_view msg_server_failure = "inner server invoke failure";
inline constexpr std::string_view msg_not_found = "resource not found";
// The text KooDrive documents for a code; a generic one for the others.
std::string_view api_code_message(std::int64_t code) noexcept;

}  // namespace kda::sim
