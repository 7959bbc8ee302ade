#pragma once
// Where the client connects, from ClientOptions::base_url. Pure: no resolution, no I/O.
// The URL scheme alone decides TLS; http:// is accepted only for loopback hosts.
#include "koodrive_audit/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace kda::api {

struct Endpoint {
  bool tls = true;
  std::string host;         // as in the URL, IPv6 without brackets: "::1"
  std::uint16_t port = 443;
  std::string host_header;  // exactly as sent and signed: "host" or "host:port", "[::1]:8080"
  std::string path_prefix;  // "" or "/prefix" (no trailing slash)
};

// "https://intl.myhuaweicloud-koodrive.com" → {tls, host, 443, "intl.…", ""}.
// errc::invalid_request for anything but http(s) with a host and no userinfo/query/fragment,
// and for http:// to a host that is not 127.0.0.1, ::1 or localhost.
Result<Endpoint> parse_base_url(std::string_view url);

// The Host header: the port is added only when it is not the scheme's default.
std::string host_header(std::string_view host, std::uint16_t port, bool tls);

// 127.0.0.1, ::1 and localhost (any letter case): the only hosts plain HTTP may reach.
bool is_loopback_host(std::string_view host) noexcept;

}  // namespace kda::api
