#pragma once
// Authentication of one KooDrive request (docs/simulator.md "Authentication"; koodrive-api.md
// §2, §3). A pure function of the request as received, the time and the configured credentials:
// no clock, no I/O, so every rule is unit-tested.
//
// Order, first failure wins:
//  1. X-User-Id present and a known user;
//  2. X-Date present, `yyyyMMddTHHmmssZ`, not after `now`, at most 15 minutes before it;
//  3. Authorization: the app form (recomputed with api/signer.hpp from the request as received
//     and compared in constant time) or exactly the configured token form.
#include "api/signer.hpp"
#include "koodrive_audit/clock.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kda::sim {

inline constexpr std::chrono::minutes x_date_max_age{15};

struct AppCredentials {
  std::string app_id;
  std::string app_secret;
  api::SigningOptions options;
};

struct TokenCredentials {
  std::string token;
  std::string format = "Bearer {token}";  // every "{token}" is replaced by the token
};

// What the simulator accepts; at least one of the two is set in a running simulator.
struct Credentials {
  std::optional<AppCredentials> app;
  std::optional<TokenCredentials> token;
};

// The Authorization value token mode expects: `format` with "{token}" replaced.
std::string token_authorization(const TokenCredentials& credentials);

// The parts of a request authentication looks at, as received.
struct AuthRequest {
  std::string method;
  std::string path;  // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value, as received
  std::optional<std::string> host;
  std::optional<std::string> x_date;
  std::optional<std::string> user_id;
  std::optional<std::string> authorization;
  std::string body;
};

enum class AuthFailure {
  missing_user_id,
  unknown_user,
  missing_x_date,
  malformed_x_date,
  x_date_in_future,
  x_date_expired,
  missing_authorization,
  malformed_authorization,  // an app header parse_authorization() refuses, or no token form
  app_auth_disabled,        // an app header, but the simulator has no app credentials
  unknown_app_id,
  missing_host,
  signature_mismatch,
  token_auth_disabled,  // a token, but the simulator has no token
  wrong_token_format,   // the token, but not in the configured form
  wrong_token,
};

struct AuthRejection {
  AuthFailure failure{};
  std::string reason;  // for the 400 body: "authentication failed: <reason>"; never a secret
};

// std::nullopt: accepted.
std::optional<AuthRejection> check_auth(const AuthRequest& request, SystemTime now,
                                        const Credentials& credentials,
                                        const std::function<bool(std::string_view)>& is_known_user);

}  // namespace kda::sim
