#pragma once
// Which KooDrive endpoint a request path names (docs/simulator.md "KooDrive endpoints"):
//   /koodrive/ose/v1/backup/device                    → devices
//   /koodrive/ose/v1/backup/device/{deviceId}/scope   → scopes, with the device ID
// each also with a trailing "/". Anything else is Endpoint::other. Pure.
#include "sim/faults.hpp"

#include <string>
#include <string_view>

namespace kda::sim {

inline constexpr std::string_view device_list_path = "/koodrive/ose/v1/backup/device";

struct ApiRoute {
  Endpoint endpoint = Endpoint::other;
  std::string device_id;  // scopes only
};

// `path` is percent-decoded and has no query.
ApiRoute route_api(std::string_view path);

// The control API lives under /_sim/ (and /_sim itself).
bool is_control_path(std::string_view path) noexcept;

}  // namespace kda::sim
