// What a request carries: endpoint from base_url, Host header, target, auth headers.
#include "api/endpoint.hpp"
#include "api/request_headers.hpp"
#include "api/signer.hpp"

#include <gtest/gtest.h>

namespace kda::api {
namespace {

using namespace std::chrono_literals;

TEST(HostHeader, CarriesThePortOnlyWhenNotTheDefault) {
  EXPECT_EQ(host_header("intl.myhuaweicloud-koodrive.com", 443, true), "intl.myhuaweicloud-koodrive.com");
  EXPECT_EQ(host_header("intl.myhuaweicloud-koodrive.com", 8443, true), "intl.myhuaweicloud-koodrive.com:8443");
  EXPECT_EQ(host_header("127.0.0.1", 80, false), "127.0.0.1");
  EXPECT_EQ(host_header("127.0.0.1", 443, false), "127.0.0.1:443");
  EXPECT_EQ(host_header("127.0.0.1", 80, true), "127.0.0.1:80");
  EXPECT_EQ(host_header("::1", 8080, false), "[::1]:8080");
  EXPECT_EQ(host_header("::1", 443, true), "[::1]");
}

TEST(ParseBaseUrl, Https) {
  auto endpoint = parse_base_url("https://intl.myhuaweicloud-koodrive.com");
  ASSERT_TRUE(endpoint) << endpoint.error().message();
  EXPECT_TRUE(endpoint->tls);
  EXPECT_EQ(endpoint->host, "intl.myhuaweicloud-koodrive.com");
  EXPECT_EQ(endpoint->port, 443);
  EXPECT_EQ(endpoint->host_header, "intl.myhuaweicloud-koodrive.com");
  EXPECT_EQ(endpoint->path_prefix, "");

  endpoint = parse_base_url("HTTPS://Example.COM:8443/api/");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "example.com");
  EXPECT_EQ(endpoint->port, 8443);
  EXPECT_EQ(endpoint->host_header, "example.com:8443");
  EXPECT_EQ(endpoint->path_prefix, "/api");
}

TEST(ParseBaseUrl, PlainHttpOnlyToLoopback) {
  for (const char* url : {"http://127.0.0.1:8080", "http://[::1]:9000", "http://localhost:1/",
                          "http://LOCALHOST"}) {
    auto endpoint = parse_base_url(url);
    ASSERT_TRUE(endpoint) << url;
    EXPECT_FALSE(endpoint->tls);
  }
  EXPECT_EQ(parse_base_url("http://[::1]:9000")->host, "::1");
  EXPECT_EQ(parse_base_url("http://[::1]:9000")->host_header, "[::1]:9000");
  EXPECT_EQ(parse_base_url("http://127.0.0.1")->port, 80);
  for (const char* url : {"http://intl.myhuaweicloud-koodrive.com", "http://10.0.0.1:80",
                          "http://127.0.0.2", "http://localhost.example.com", "http://0.0.0.0"}) {
    auto endpoint = parse_base_url(url);
    ASSERT_FALSE(endpoint) << url;
    EXPECT_EQ(endpoint.error().code, make_error_code(errc::invalid_request)) << url;
    EXPECT_FALSE(endpoint.error().transient());
  }
}

TEST(ParseBaseUrl, RejectsWhatIsNotAServerAddress) {
  for (const char* url : {"", "intl.myhuaweicloud-koodrive.com", "ftp://example.com",
                          "https://user:pw@example.com", "https://example.com/?q=1",
                          "https://example.com/#x", "https://example.com:0", "https://:443",
                          "https://example.com:99999"}) {
    auto endpoint = parse_base_url(url);
    ASSERT_FALSE(endpoint) << url;
    EXPECT_EQ(endpoint.error().code, make_error_code(errc::invalid_request)) << url;
  }
  // The error never echoes a password.
  EXPECT_EQ(parse_base_url("https://user:pw@example.com").error().message().find("pw@"),
            std::string::npos);
}

TEST(RequestTarget, PathWithoutTrailingSlashAndEncodedQuery) {
  ApiRequest request{"GET", "/koodrive/ose/v1/backup/device/123/scope", {{"moduleCode", "100"}}};
  EXPECT_EQ(request_target(request), "/koodrive/ose/v1/backup/device/123/scope?moduleCode=100");
  EXPECT_EQ(describe(request), "GET /koodrive/ose/v1/backup/device/123/scope?moduleCode=100");
  ApiRequest odd{"GET", "/a b/c", {{"x y", "1&2"}}};
  EXPECT_EQ(request_target(odd), "/a%20b/c?x%20y=1%262");
}

const SystemTime when = SystemTime{std::chrono::sys_days{std::chrono::year{2025} / 11 / 3}} + 7h +
                        1min + 40s;

std::string header(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(AuthHeaders, AppModeSignsTheHostAsSentWithTheDateOfSending) {
  Credentials credentials;
  credentials.user_id = "1505084218764547200";
  credentials.app_id = "app";
  credentials.app_secret = "test-app-secret";
  ApiRequest request{"GET", "/koodrive/ose/v1/backup/device/123/scope", {{"moduleCode", "100"}}};
  auto headers = auth_headers(credentials, request, "intl.myhuaweicloud-koodrive.com", when);
  ASSERT_TRUE(headers) << headers.error().message();
  EXPECT_EQ(header(*headers, "X-Date"), "20251103T070140Z");
  EXPECT_EQ(header(*headers, "X-User-Id"), "1505084218764547200");
  // koodrive-api.md's check vector.
  EXPECT_EQ(header(*headers, "Authorization"),
            "HMAC-SHA256 AppId=app,SignedHeaders=host;x-date;x-user-id,"
            "Signature=b933daad96d45ed38a0556a4d114c03729aa376b3fd84998dafb5848e9e81e12");

  // With a non-default port the Host (and so the signature) carries it.
  auto with_port = auth_headers(credentials, request, "intl.myhuaweicloud-koodrive.com:8443", when);
  ASSERT_TRUE(with_port);
  RequestToSign expected{"GET", request.path, request.query, "intl.myhuaweicloud-koodrive.com:8443",
                         "20251103T070140Z", credentials.user_id, ""};
  EXPECT_EQ(header(*with_port, "Authorization"), sign(expected, "app", "test-app-secret"));
  EXPECT_NE(header(*with_port, "Authorization"), header(*headers, "Authorization"));

  // A later send is a new date and a new signature.
  auto later = auth_headers(credentials, request, "intl.myhuaweicloud-koodrive.com", when + 1s);
  EXPECT_EQ(header(*later, "X-Date"), "20251103T070141Z");
  EXPECT_NE(header(*later, "Authorization"), header(*headers, "Authorization"));
}

TEST(AuthHeaders, TokenModeFillsTheFormatAndStillSendsUserAndDate) {
  Credentials credentials;
  credentials.mode = Credentials::Mode::token;
  credentials.user_id = "42";
  credentials.token = "abc.def";
  ApiRequest request{"GET", "/koodrive/ose/v1/backup/device", {}};
  auto headers = auth_headers(credentials, request, "127.0.0.1:8080", when);
  ASSERT_TRUE(headers);
  EXPECT_EQ(header(*headers, "Authorization"), "Bearer abc.def");
  EXPECT_EQ(header(*headers, "X-User-Id"), "42");
  EXPECT_EQ(header(*headers, "X-Date"), "20251103T070140Z");
  credentials.token_format = "Bearer+{token}";
  EXPECT_EQ(header(*auth_headers(credentials, request, "h", when), "Authorization"), "Bearer+abc.def");
  credentials.token_format = "{token}";
  EXPECT_EQ(header(*auth_headers(credentials, request, "h", when), "Authorization"), "abc.def");
}

TEST(AuthHeaders, UnusableCredentialsAreInvalidRequestsWithoutTheSecret) {
  ApiRequest request{"GET", "/koodrive/ose/v1/backup/device", {}};
  Credentials app;
  app.user_id = "42";
  app.app_id = "app";
  app.app_secret = "s3cr3t\n";
  Credentials no_user = app;
  no_user.user_id.clear();
  Credentials no_secret = app;
  no_secret.app_secret.clear();
  Credentials token;
  token.mode = Credentials::Mode::token;
  token.user_id = "42";
  token.token = "s3cr3t\r\nX-Evil: 1";
  Credentials no_placeholder = token;
  no_placeholder.token = "s3cr3t";
  no_placeholder.token_format = "Bearer";
  for (const auto& credentials : {no_user, no_secret, token, no_placeholder}) {
    auto headers = auth_headers(credentials, request, "h", when);
    ASSERT_FALSE(headers);
    EXPECT_EQ(headers.error().code, make_error_code(errc::invalid_request));
    EXPECT_FALSE(headers.error().transient());
    EXPECT_EQ(headers.error().message().find("s3cr3t"), std::string::npos) << headers.error().message();
    EXPECT_NE(headers.error().message().find("GET /koodrive/ose/v1/backup/device"), std::string::npos);
  }
  // A secret may hold any byte: it is only an HMAC key.
  EXPECT_TRUE(auth_headers(app, request, "h", when));
}

TEST(WithoutSecrets, ReplacesEveryOccurrenceOfTheTokenAndTheAppSecret) {
  Credentials credentials;
  credentials.token = "tok-0123456789";
  credentials.app_secret = "app-secret-abcdef";
  EXPECT_EQ(without_secrets("nothing here", credentials), std::nullopt);
  EXPECT_EQ(without_secrets("wrong token: tok-0123456789 (Bearer tok-0123456789)", credentials),
            "wrong token: *** (Bearer ***)");
  EXPECT_EQ(without_secrets("tok-0123456789app-secret-abcdef", credentials), "******");
  EXPECT_EQ(without_secrets("x app-secret-abcdef", credentials), "x ***");
  // Too short to redact without garbling the text: left alone.
  credentials.token = "abc";
  EXPECT_EQ(without_secrets("abc abc", credentials), std::nullopt);
}

}  // namespace
}  // namespace kda::api
