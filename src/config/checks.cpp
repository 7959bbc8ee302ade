#include "config/checks.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace kda::config {

namespace {

bool lower_alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_loopback(const boost::urls::url_view& url) {
  using boost::urls::host_type;
  switch (url.host_type()) {
    case host_type::ipv4: return url.host_ipv4_address() == boost::urls::ipv4_address::loopback();
    case host_type::ipv6: return url.host_ipv6_address() == boost::urls::ipv6_address::loopback();
    case host_type::name: return iequals(url.encoded_host(), "localhost");
    default: return false;
  }
}

}  // namespace

std::string check_http_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return "'" + std::string(text) + "' is not a URL";
  const auto& url = *parsed;
  if (url.scheme_id() != boost::urls::scheme::https && url.scheme_id() != boost::urls::scheme::http)
    return "the scheme must be https:// or http://, not " + std::string(url.scheme()) + "://";
  if (!url.has_authority() || url.encoded_host().empty()) return "the URL has no host";
  if (url.has_userinfo())
    return "credentials in a URL are not allowed; they would be printed and logged";
  if (url.has_fragment()) return "a URL must not have a #fragment";
  if (url.has_port() && url.port_number() == 0) return "port '" + std::string(url.port()) + "' is not valid";
  return {};
}

std::string check_base_url(std::string_view text) {
  if (auto why = check_http_url(text); !why.empty()) return why;
  auto url = *boost::urls::parse_absolute_uri(text);
  if (url.scheme_id() == boost::urls::scheme::http && !is_loopback(url))
    return "http:// is allowed only for loopback (127.0.0.1, ::1); use https://";
  if (url.encoded_path() != "" && url.encoded_path() != "/")
    return "the API root has no path ('" + std::string(url.encoded_path()) +
           "'); give only scheme://host[:port]";
  if (url.has_query()) return "the API root has no ?query";
  return {};
}

std::string check_sink_url(std::string_view text) {
  if (auto why = check_http_url(text); !why.empty()) return why;
  // Found here rather than when the daemon builds the sink: there it would only disable the
  // sink, and check-config would have called the config valid.
  auto url = *boost::urls::parse_absolute_uri(text);
  if (url.scheme_id() == boost::urls::scheme::http && !is_loopback(url))
    return "http:// is allowed only for loopback (127.0.0.1, ::1, localhost); use https://";
  return {};
}

std::string check_app_id(std::string_view app_id) {
  const bool ok = std::all_of(app_id.begin(), app_id.end(), [](char c) {
    return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
  });
  return ok ? std::string{} : "only letters, digits, '-', '_' and '.' are allowed (KooDrive's are 64 hex digits)";
}

std::string check_token_format(std::string_view format) {
  if (format.find("{token}") == std::string_view::npos)
    return "must contain {token}, where the token goes (e.g. \"Bearer {token}\")";
  if (std::any_of(format.begin(), format.end(), [](char c) { return c == '\r' || c == '\n'; }))
    return "must not contain a line break";
  return {};
}

std::string check_sink_name(std::string_view name) {
  const bool ok = name.size() <= 64 && !name.empty() && lower_alnum(name.front()) &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return lower_alnum(c) || c == '-' || c == '_' || c == '.';
                  });
  return ok ? std::string{}
            : "'" + std::string(name) +
                  "' is not a sink name; use up to 64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit";
}

std::string check_header_name(std::string_view name) {
  constexpr std::string_view token_specials = "!#$%&'*+-.^_`|~";
  const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || token_specials.find(c) != std::string_view::npos;
  });
  if (!token) return "'" + std::string(name) + "' is not an HTTP header name";
  constexpr std::array<std::string_view, 6> reserved{"content-type", "content-length", "host",
                                                     "webhook-id", "webhook-timestamp", "webhook-signature"};
  for (auto r : reserved) {
    if (iequals(name, r)) return "header '" + std::string(name) + "' is set by the webhook sink itself";
  }
  return {};
}

std::string check_header_value(std::string_view value) {
  const bool control = std::any_of(value.begin(), value.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
  });
  return control ? "a header value must not contain control characters or line breaks" : std::string{};
}

std::string check_severity(std::string_view severity) {
  const bool ok = std::all_of(severity.begin(), severity.end(),
                              [](char c) { return lower_alnum(c) || c == '_' || c == '-'; });
  return ok ? std::string{} : "'" + std::string(severity) + "' is not a severity; use a-z, 0-9, '_' or '-'";
}

}  // namespace kda::config
