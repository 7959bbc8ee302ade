#include "sim/auth_check.hpp"

#include "api/signer.hpp"

#include <gtest/gtest.h>

#include <set>

namespace kda::sim {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view user = "1505084218764547200";
constexpr std::string_view app_id = "a378331eca141163119eb602adb67b7802cc79cd33ba44c7d2fe61d1586c96a1";
constexpr std::string_view secret = "test-app-secret";

const SystemTime now = *parse_x_date("20251103T070140Z");

bool known(std::string_view user_id) { return user_id == user; }

Credentials app_credentials() { return {AppCredentials{std::string(app_id), std::string(secret), {}}, {}}; }
Credentials token_credentials() { return {{}, TokenCredentials{"tok-123", "Bearer {token}"}}; }

// A scope-list request signed the way the client signs it, X-Date `age` before `now`.
AuthRequest signed_request(std::chrono::seconds age = 30s, std::string_view signing_secret = secret,
                           std::string_view signing_app_id = app_id,
                           api::SigningOptions options = {}) {
  api::RequestToSign r{"GET",
                       "/koodrive/ose/v1/backup/device/1775406005920779393/scope",
                       {{"moduleCode", "100"}},
                       "127.0.0.1:18080",
                       format_x_date(now - age),
                       std::string(user),
                       ""};
  AuthRequest request{r.method, r.path, r.query, r.host, r.x_date, r.user_id, {}, r.body};
  request.authorization = api::sign(r, signing_app_id, signing_secret, options);
  return request;
}

AuthRequest token_request(std::string authorization) {
  return AuthRequest{"GET", "/koodrive/ose/v1/backup/device", {}, "127.0.0.1:18080",
                     format_x_date(now - 1s), std::string(user), std::move(authorization), ""};
}

std::optional<AuthFailure> failure(const AuthRequest& request, const Credentials& credentials) {
  const auto rejection = check_auth(request, now, credentials, known);
  if (!rejection) return std::nullopt;
  EXPECT_FALSE(rejection->reason.empty());
  return rejection->failure;
}

TEST(AuthCheck, AcceptsAValidAppSignature) {
  EXPECT_EQ(failure(signed_request(), app_credentials()), std::nullopt);
}

TEST(AuthCheck, AcceptsTheDateLineVariantOnlyWhenConfigured) {
  api::SigningOptions with_date_line{true};
  const auto request = signed_request(30s, secret, app_id, with_date_line);
  EXPECT_EQ(failure(request, app_credentials()), AuthFailure::signature_mismatch);
  Credentials credentials = app_credentials();
  credentials.app->options = with_date_line;
  EXPECT_EQ(failure(request, credentials), std::nullopt);
}

TEST(AuthCheck, RejectsAWrongSecret) {
  EXPECT_EQ(failure(signed_request(30s, "other-secret"), app_credentials()),
            AuthFailure::signature_mismatch);
}

TEST(AuthCheck, RejectsAWrongAppId) {
  EXPECT_EQ(failure(signed_request(30s, secret, "b378331e"), app_credentials()),
            AuthFailure::unknown_app_id);
}

TEST(AuthCheck, RejectsARequestChangedAfterSigning) {
  auto query = signed_request();
  query.query = {{"moduleCode", "101"}};
  EXPECT_EQ(failure(query, app_credentials()), AuthFailure::signature_mismatch);

  auto host = signed_request();
  host.host = "127.0.0.1";  // signed with ":18080"
  EXPECT_EQ(failure(host, app_credentials()), AuthFailure::signature_mismatch);

  auto path = signed_request();
  path.path = "/koodrive/ose/v1/backup/device/1775406005920779394/scope";
  EXPECT_EQ(failure(path, app_credentials()), AuthFailure::signature_mismatch);

  auto missing_host = signed_request();
  missing_host.host.reset();
  EXPECT_EQ(failure(missing_host, app_credentials()), AuthFailure::missing_host);
}

TEST(AuthCheck, AcceptsATrailingSlashAndAnyQueryOrder) {
  // The canonical URI always ends in "/", so the slash as sent does not matter.
  auto request = signed_request();
  request.path += "/";
  EXPECT_EQ(failure(request, app_credentials()), std::nullopt);
}

TEST(AuthCheck, RejectsAnUnknownUser) {
  auto request = signed_request();
  request.user_id = "1505084218764547201";
  EXPECT_EQ(failure(request, app_credentials()), AuthFailure::unknown_user);
  request.user_id.reset();
  EXPECT_EQ(failure(request, app_credentials()), AuthFailure::missing_user_id);
}

TEST(AuthCheck, RejectsAnXDateSixteenMinutesOld) {
  EXPECT_EQ(failure(signed_request(16min), app_credentials()), AuthFailure::x_date_expired);
  EXPECT_EQ(failure(signed_request(15min + 1s), app_credentials()), AuthFailure::x_date_expired);
  EXPECT_EQ(failure(signed_request(15min), app_credentials()), std::nullopt);
}

TEST(AuthCheck, RejectsAnXDateOneMinuteAhead) {
  EXPECT_EQ(failure(signed_request(-1min), app_credentials()), AuthFailure::x_date_in_future);
  EXPECT_EQ(failure(signed_request(-1s), app_credentials()), AuthFailure::x_date_in_future);
  EXPECT_EQ(failure(signed_request(0s), app_credentials()), std::nullopt);
}

TEST(AuthCheck, RejectsAMissingOrMalformedXDate) {
  auto request = signed_request();
  request.x_date = "2025-11-03T07:01:40Z";
  EXPECT_EQ(failure(request, app_credentials()), AuthFailure::malformed_x_date);
  request.x_date.reset();
  EXPECT_EQ(failure(request, app_credentials()), AuthFailure::missing_x_date);
}

TEST(AuthCheck, RejectsAMalformedAuthorization) {
  const std::string good = *signed_request().authorization;
  for (std::string bad : {std::string("HMAC-SHA256 garbage"),
                          "HMAC-SHA256 AppId=" + std::string(app_id) +
                              ", SignedHeaders=host;x-date;x-user-id,Signature=" + good.substr(good.size() - 64),
                          "HMAC-SHA256 AppId=" + std::string(app_id) +
                              ",SignedHeaders=host;x-user-id,Signature=" + good.substr(good.size() - 64),
                          good.substr(0, good.size() - 1)}) {
    auto request = signed_request();
    request.authorization = bad;
    EXPECT_EQ(failure(request, app_credentials()), AuthFailure::malformed_authorization) << bad;
  }
  auto request = signed_request();
  request.authorization = "Bearer tok-123";  // only app auth is configured
  EXPECT_EQ(failure(request, app_credentials()), AuthFailure::malformed_authorization);
  request.authorization.reset();
  EXPECT_EQ(failure(request, app_credentials()), AuthFailure::missing_authorization);
}

TEST(AuthCheck, AcceptsAValidToken) {
  EXPECT_EQ(failure(token_request("Bearer tok-123"), token_credentials()), std::nullopt);
}

TEST(AuthCheck, RejectsAWrongToken) {
  EXPECT_EQ(failure(token_request("Bearer tok-124"), token_credentials()), AuthFailure::wrong_token);
}

TEST(AuthCheck, RejectsATokenInTheWrongFormat) {
  EXPECT_EQ(failure(token_request("Bearer+tok-123"), token_credentials()),
            AuthFailure::wrong_token_format);
  EXPECT_EQ(failure(token_request("tok-123"), token_credentials()), AuthFailure::wrong_token_format);
  EXPECT_EQ(failure(token_request("Bearer  tok-123"), token_credentials()),
            AuthFailure::wrong_token_format);
}

TEST(AuthCheck, TokenFormatIsConfigurable) {
  Credentials credentials{{}, TokenCredentials{"tok-123", "Bearer+{token}"}};
  EXPECT_EQ(token_authorization(*credentials.token), "Bearer+tok-123");
  EXPECT_EQ(failure(token_request("Bearer+tok-123"), credentials), std::nullopt);
  EXPECT_EQ(failure(token_request("Bearer tok-123"), credentials), AuthFailure::wrong_token_format);
  credentials.token->format = "{token}";
  EXPECT_EQ(failure(token_request("tok-123"), credentials), std::nullopt);
}

TEST(AuthCheck, TokenRequestsStillNeedXDateAndUser) {
  auto request = token_request("Bearer tok-123");
  request.x_date = format_x_date(now - 20min);
  EXPECT_EQ(failure(request, token_credentials()), AuthFailure::x_date_expired);
  request = token_request("Bearer tok-123");
  request.user_id = "42";
  EXPECT_EQ(failure(request, token_credentials()), AuthFailure::unknown_user);
}

TEST(AuthCheck, EachModeOnlyWhenConfigured) {
  EXPECT_EQ(failure(signed_request(), token_credentials()), AuthFailure::app_auth_disabled);
  Credentials both = app_credentials();
  both.token = token_credentials().token;
  EXPECT_EQ(failure(signed_request(), both), std::nullopt);
  EXPECT_EQ(failure(token_request("Bearer tok-123"), both), std::nullopt);
  EXPECT_EQ(failure(token_request("Bearer nope"), both), AuthFailure::wrong_token);
  EXPECT_EQ(failure(token_request("Bearer tok-123"), Credentials{}), AuthFailure::token_auth_disabled);
}

TEST(AuthCheck, ReasonsNeverHoldTheSecrets) {
  Credentials both = app_credentials();
  both.token = token_credentials().token;
  for (const auto& request : {signed_request(30s, "other"), token_request("Bearer+tok-123"),
                              token_request("nope")}) {
    const auto rejection = check_auth(request, now, both, known);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->reason.find("tok-123"), std::string::npos);
    EXPECT_EQ(rejection->reason.find(secret), std::string::npos);
  }
}

}  // namespace
}  // namespace kda::sim
