#include "sim/auth_check.hpp"

#include <openssl/crypto.h>

namespace kda::sim {

namespace {

std::optional<AuthRejection> reject(AuthFailure failure, std::string reason) {
  return AuthRejection{failure, std::move(reason)};
}

// Constant time in the contents; the lengths are not secret.
bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

constexpr std::string_view app_scheme = api::signing_algorithm;

std::optional<AuthRejection> malformed_app_header() {
  return reject(AuthFailure::malformed_authorization,
                "malformed Authorization (expected HMAC-SHA256 AppId=…,SignedHeaders=" +
                    std::string(api::signed_header_names) + ",Signature=<64 hex digits>)");
}

std::optional<AuthRejection> check_app(const AuthRequest& request, const AppCredentials& app,
                                       std::string_view header) {
  const auto parsed = api::parse_authorization(header);
  if (!parsed) return malformed_app_header();
  if (!same_bytes(parsed->app_id, app.app_id))
    return reject(AuthFailure::unknown_app_id, "unknown AppId");
  if (!request.host) return reject(AuthFailure::missing_host, "missing Host header");
  const api::RequestToSign to_sign{request.method, request.path,     request.query,
                                   *request.host,  *request.x_date,  *request.user_id,
                                   request.body};
  const std::string expected =
      api::signature(app.app_secret, api::string_to_sign(api::canonical_request(to_sign),
                                                          to_sign.x_date, app.options));
  if (!same_bytes(parsed->signature, expected))
    return reject(AuthFailure::signature_mismatch, "signature mismatch");
  return std::nullopt;
}

std::optional<AuthRejection> check_token(const TokenCredentials& token, std::string_view header) {
  const std::string expected = token_authorization(token);
  if (same_bytes(header, expected)) return std::nullopt;
  // Only says whether the token is in there; it never echoes what was expected.
  if (!token.token.empty() && header.find(token.token) != std::string_view::npos)
    return reject(AuthFailure::wrong_token_format,
                  "token not in the configured Authorization form");
  return reject(AuthFailure::wrong_token, "wrong token");
}

}  // namespace

std::string token_authorization(const TokenCredentials& credentials) {
  constexpr std::string_view placeholder = "{token}";
  std::string out;
  std::string_view rest = credentials.format;
  for (auto at = rest.find(placeholder); at != std::string_view::npos;
       at = rest.find(placeholder)) {
    out += rest.substr(0, at);
    out += credentials.token;
    rest.remove_prefix(at + placeholder.size());
  }
  out += rest;
  return out;
}

std::optional<AuthRejection> check_auth(const AuthRequest& request, SystemTime now,
                                        const Credentials& credentials,
                                        const std::function<bool(std::string_view)>& is_known_user) {
  if (!request.user_id || request.user_id->empty())
    return reject(AuthFailure::missing_user_id, "missing X-User-Id");
  if (!is_known_user(*request.user_id))
    return reject(AuthFailure::unknown_user, "unknown user");

  if (!request.x_date || request.x_date->empty())
    return reject(AuthFailure::missing_x_date, "missing X-Date");
  const auto sent = parse_x_date(*request.x_date);
  if (!sent) return reject(AuthFailure::malformed_x_date, "malformed X-Date (expected yyyyMMddTHHmmssZ)");
  if (*sent > now) return reject(AuthFailure::x_date_in_future, "X-Date is in the future");
  if (now - *sent > x_date_max_age)
    return reject(AuthFailure::x_date_expired, "X-Date is older than 15 minutes");

  if (!request.authorization || request.authorization->empty())
    return reject(AuthFailure::missing_authorization, "missing Authorization");
  const std::string_view header = *request.authorization;
  const bool app_form = header.substr(0, app_scheme.size()) == app_scheme;
  if (app_form && credentials.app) return check_app(request, *credentials.app, header);
  if (!app_form && credentials.token) return check_token(*credentials.token, header);
  if (app_form) return reject(AuthFailure::app_auth_disabled, "app authentication is not enabled");
  if (credentials.app) return malformed_app_header();
  return reject(AuthFailure::token_auth_disabled, "token authentication is not enabled");
}

}  // namespace kda::sim
