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
//
// Errors: none of these functions fails on its input; every string is signable (the signature
// of a request that cannot be sent is simply never used). SHA-256 and HMAC come from OpenSSL; if
// OpenSSL itself fails (out of memory) they throw std::runtime_error — a broken invariant, not an
// expected failure. Thread-safe: the OpenSSL contexts (and the HMAC key last used) are per
// thread; nothing is shared.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kda::api {

struct SigningOptions {
  // false: "HMAC-SHA256\n<hash>" (the formula). true: "HMAC-SHA256\n<x-date>\n<hash>" (the
  // prose's "and signing time", APIG's layout).
  bool date_line_in_string_to_sign = false;
};

// One request as it is (or was) put on the wire.
struct RequestToSign {
  std::string method;  // "GET"; upper-cased for signing
  std::string path;    // as sent, not percent-encoded: "/koodrive/ose/v1/backup/device/123/scope"
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value, any order
  std::string host;    // the Host header value as sent, port included when non-default
  std::string x_date;  // "20251103T070140Z"
  std::string user_id; // X-User-Id
  std::string body;    // raw body; empty for GET
};

inline constexpr std::string_view signing_algorithm = "HMAC-SHA256";
inline constexpr std::string_view signed_header_names = "host;x-date;x-user-id";

// RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~) kept, every other byte as %XY with uppercase
// hex; UTF-8 is encoded byte by byte ("é" → "%C3%A9", " " → "%20", "/" → "%2F").
std::string uri_encode(std::string_view text);
// uri_encode(text) appended to `out`.
void append_uri_encoded(std::string& out, std::string_view text);

// The path with "." and ".." segments removed (RFC 3986 §5.2.4; nothing else collapsed, so
// "//" stays), each segment uri_encode()d, and a "/" appended if it does not end in one.
// A path not starting with "/" is treated as if it did; "" signs as "/".
std::string canonical_uri(std::string_view path);

// Names and values uri_encode()d, sorted by encoded name then encoded value (byte order),
// "name=value" joined by "&"; "=" is kept for an empty value. "" for no query.
std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// METHOD \n CanonicalURI \n CanonicalQueryString \n
// host:<host>\n x-date:<x_date>\n x-user-id:<user_id>\n  (values trimmed of spaces and tabs)
// \n host;x-date;x-user-id \n sha256_hex(body) — no final newline.
std::string canonical_request(const RequestToSign& request);

// "HMAC-SHA256\n" + sha256_hex(canonical_request), or with "<x_date>\n" after the algorithm
// when options.date_line_in_string_to_sign. `x_date` is unused otherwise.
std::string string_to_sign(std::string_view canonical_request, std::string_view x_date,
                           const SigningOptions& options = {});

// Lowercase hex HMAC-SHA256(key = app_secret, msg = string_to_sign).
std::string signature(std::string_view app_secret, std::string_view string_to_sign);

// "HMAC-SHA256 AppId=<id>,SignedHeaders=host;x-date;x-user-id,Signature=<hex>"
std::string authorization_header(std::string_view app_id, std::string_view signature_hex);

// All of the above in one step: the Authorization header value for `request`.
std::string sign(const RequestToSign& request, std::string_view app_id,
                 std::string_view app_secret, const SigningOptions& options = {});

struct ParsedAuthorization {
  std::string app_id;
  std::string signed_headers;  // always signed_header_names
  std::string signature;       // 64 lowercase hex digits
  friend bool operator==(const ParsedAuthorization&, const ParsedAuthorization&) = default;
};

// Parses exactly the form authorization_header() writes; std::nullopt on any deviation: another
// algorithm, a space anywhere but after "HMAC-SHA256", fields missing, repeated or out of
// order, SignedHeaders other than signed_header_names, an empty AppId or one holding a space,
// comma or control byte, a Signature that is not 64 lowercase hex digits.
std::optional<ParsedAuthorization> parse_authorization(std::string_view header);

}  // namespace kda::api
