#pragma once
// Rules on text values that a kind alone does not express, named in schema rows (TextCheck).
// Each returns "" when the value is fine, else a phrase saying what is wrong.
#include <string>
#include <string_view>

namespace kda::config {

// scheme://host[:port][/]: https, or http only to 127.0.0.1, ::1 or localhost.
std::string check_base_url(std::string_view url);
// Any http(s) URL with a host and no credentials (used by the url kind itself).
std::string check_http_url(std::string_view url);
// A URL the daemon sends to (webhook, Alertmanager): https, or http only to 127.0.0.1, ::1 or
// localhost, as for the API. A path and query are allowed.
std::string check_sink_url(std::string_view url);
// Goes into "AppId=…," of the Authorization header: no separators, spaces or quotes.
std::string check_app_id(std::string_view app_id);
std::string check_token_format(std::string_view format);
// [a-z0-9][a-z0-9._-]*, at most 64: a sink name is a database key and a metrics label.
std::string check_sink_name(std::string_view name);
// An HTTP header name (RFC 9110 token), not one the webhook sink sets itself.
std::string check_header_name(std::string_view name);
// No control characters: a header value must not smuggle a second header.
std::string check_header_value(std::string_view value);
std::string check_severity(std::string_view severity);

}  // namespace kda::config
