#include "api/endpoint.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace kda::api {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The URL as it may appear in an error: a user:password part is masked.
std::string redacted(std::string_view url) {
  std::string out(url);
  const auto start = out.find("://");
  if (start == std::string::npos) return out;
  const auto authority_end = out.find_first_of("/?#", start + 3);
  const auto at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
  if (at != std::string::npos && at > start) out.replace(start + 3, at - start - 3, "***");
  return out;
}

Result<Endpoint> invalid(std::string_view url, std::string detail) {
  return make_error(errc::invalid_request, "base_url " + redacted(url), std::move(detail));
}

}  // namespace

bool is_loopback_host(std::string_view host) noexcept {
  if (host == "127.0.0.1" || host == "::1") return true;
  if (host.size() != 9) return false;
  for (std::size_t i = 0; i < host.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(host[i])) != "localhost"[i]) return false;
  }
  return true;
}

std::string host_header(std::string_view host, std::uint16_t port, bool tls) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out = "[" + std::string(host) + "]";
  } else {
    out = std::string(host);
  }
  if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

Result<Endpoint> parse_base_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return invalid(url, "not an absolute URL");
  const boost::urls::url_view& u = *parsed;
  Endpoint endpoint;
  const std::string scheme = lower(u.scheme());
  if (scheme == "https") {
    endpoint.tls = true;
  } else if (scheme == "http") {
    endpoint.tls = false;
  } else {
    return invalid(url, "scheme must be https (or http to loopback)");
  }
  if (u.has_userinfo() || u.has_query() || u.has_fragment()) {
    return invalid(url, "no user, query or fragment allowed");
  }
  switch (u.host_type()) {
    case boost::urls::host_type::name:
      endpoint.host = lower(u.encoded_host().decode());
      break;
    case boost::urls::host_type::ipv4:
      endpoint.host = u.host_ipv4_address().to_string();
      break;
    case boost::urls::host_type::ipv6:
      endpoint.host = u.host_ipv6_address().to_string();
      break;
    default:
      return invalid(url, "no usable host");
  }
  if (endpoint.host.empty()) return invalid(url, "no host");
  if (!endpoint.tls && !is_loopback_host(endpoint.host)) {
    return invalid(url, "plain http:// is allowed only to 127.0.0.1, ::1 or localhost; use https://");
  }
  if (u.has_port()) {
    const auto text = u.port();
    unsigned long number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || number == 0 ||
        number > 65535) {
      return invalid(url, "bad port");
    }
    endpoint.port = static_cast<std::uint16_t>(number);
  } else {
    endpoint.port = endpoint.tls ? 443 : 80;
  }
  std::string path = u.encoded_path().decode();
  while (!path.empty() && path.back() == '/') path.pop_back();
  endpoint.path_prefix = std::move(path);
  endpoint.host_header = host_header(endpoint.host, endpoint.port, endpoint.tls);
  return endpoint;
}

}  // namespace kda::api
