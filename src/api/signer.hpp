#pragma once
// KooDrive app authentication (koodrive-api.md §2): canonical request → string to sign →
// HMAC-SHA256 with the AppSecret → Authorization header. Pure functions of their inputs; the
// X-Date is passed in, never read from a clock here. Shared by the client (signing) and the
// simulator (verifying), so both follow one reading of the API pages.
//
// Decisions (koodrive-api.md "Decisions"), each isolated here:
//  - signed headers: host;x-date;x-user-id, Host exactly as sent (":port" when non-default);
//  - the canonical URI ends in "/", the URL as sent does not;
//  - the string to sign has no date line unless SigningOptions::date_line_in_string_to_sign.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kda::api {

struct SigningOptions {
  bool date_line_in_string_to_sign = false;  // the prose hints at it; the formula says no
};

// One request as it is (or was) put on the wire.
struct RequestToSign {
  std::string method;  // "GET"
  std::string path;    // as sent, not percent-encoded: "/koodrive/ose/v1/backup/device/123/scope"
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value, any order
  std::string host;    // the Host header value as sent
  std::string x_date;  // "20251103T070140Z"
  std::string user_id; // X-User-Id
  std::string body;    // raw body; empty for GET
};

// RFC 3986 unreserved set kept, everything else %XY with uppercase hex.
std::string uri_encode(std::string_view text);
std::string canonical_uri(std::string_view path);
std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query);
std::string canonical_request(const RequestToSign& request);
std::string string_to_sign(std::string_view canonical_request, std::string_view x_date,
                           const SigningOptions& options = {});
// Lowercase hex HMAC-SHA256(key = app_secret, msg = string_to_sign).
std::string signature(std::string_view app_secret, std::string_view string_to_sign);
// "HMAC-SHA256 AppId=<id>,SignedHeaders=host;x-date;x-user-id,Signature=<hex>"
std::string authorization_header(std::string_view app_id, std::string_view signature_hex);
// All of the above in one step.
std::string sign(const RequestToSign& request, std::string_view app_id,
                 std::string_view app_secret, const SigningOptions& options = {});

inline constexpr std::string_view signed_header_names = "host;x-date;x-user-id";

struct ParsedAuthorization {
  std::string app_id;
  std::string signed_headers;
  std::string signature;
};
// Parses the exact form authorization_header() writes; nullopt on any deviation.
std::optional<ParsedAuthorization> parse_authorization(std::string_view header);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace kda::api
