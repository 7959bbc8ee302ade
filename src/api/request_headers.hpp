#pragma once
// What one KooDrive request puts on the wire besides the transport's own headers: the target
// and the authentication headers (koodrive-api.md §2-3). Pure: `now` is passed in, read by the
// caller at send time, so a retried request is signed again with a fresh X-Date.
#include "api/signer.hpp"
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kda::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ApiRequest {
  std::string method = "GET";
  std::string path;  // as sent: no trailing slash, not percent-encoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in sending order
};

// "/koodrive/ose/v1/backup/device/123/scope?moduleCode=100" (path and query percent-encoded).
std::string request_target(const ApiRequest& request);
// "GET /koodrive/ose/v1/backup/device/123/scope?moduleCode=100": the context of its errors.
std::string describe(const ApiRequest& request);

// Checks the credentials can be sent (non-empty, no control characters, a {token} in the
// format) without ever putting a secret in the error. errc::invalid_request otherwise.
Result<void> check_credentials(const Credentials& credentials, std::string_view context);

// Authorization, X-User-Id and X-Date for `request` sent to `host_header` at `now`.
// App mode signs host;x-date;x-user-id (Host exactly as sent); token mode fills token_format.
Result<HeaderList> auth_headers(const Credentials& credentials, const ApiRequest& request,
                                std::string_view host_header, SystemTime now,
                                const SigningOptions& signing = {});

// token_format with every "{token}" replaced by `token`.
std::string format_token(std::string_view token_format, std::string_view token);

// A server may echo what it was sent (a proxy's error page, "wrong token: <token>"), and what a
// server says ends up in log lines, fetch_status.last_error and decoded records. `text` with
// every occurrence of the token and the app secret replaced by "***"; nullopt when neither
// occurs. Secrets shorter than min_redacted_bytes are left alone: replacing a 3-letter string
// everywhere would garble the answer, and such a secret protects nothing anyway.
std::optional<std::string> without_secrets(std::string_view text, const Credentials& credentials);
inline constexpr std::size_t min_redacted_bytes = 8;

}  // namespace kda::api
