#include "sim/api_routes.hpp"

namespace kda::sim {

ApiRoute route_api(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == device_list_path) return {Endpoint::devices, {}};
  if (!path.starts_with(device_list_path)) return {};
  path.remove_prefix(device_list_path.size());
  // What is left must be "/{deviceId}/scope".
  constexpr std::string_view scope_suffix = "/scope";
  if (!path.starts_with('/') || !path.ends_with(scope_suffix)) return {};
  path.remove_prefix(1);
  path.remove_suffix(scope_suffix.size());
  if (path.empty() || path.find('/') != std::string_view::npos) return {};
  return {Endpoint::scopes, std::string(path)};
}

bool is_control_path(std::string_view path) noexcept {
  return path == "/_sim" || path.starts_with("/_sim/");
}

}  // namespace kda::sim
