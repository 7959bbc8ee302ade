// make_webhook_sink's checks of its options, before any request: the URL (scheme, loopback-only
// plain HTTP, no userinfo or fragment), the secrets, the extra headers. Errors name the sink and
// never quote a secret or a URL's query.
#include "koodrive_audit/sinks.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace kda {
namespace {

WebhookSinkOptions valid_options() {
  WebhookSinkOptions options;
  options.name = "hook";
  options.url = "http://127.0.0.1:8080/hook";
  options.secrets = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
  return options;
}

class WebhookOptions : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Sink>> make(WebhookSinkOptions options) {
    return make_webhook_sink(io_.get_executor(), std::move(options), clock_);
  }

  // The sink is refused, with invalid_request, a message naming the sink and containing
  // `expected`, and without `hidden`.
  void expect_refused(WebhookSinkOptions options, std::string_view expected,
                      std::string_view hidden = "\x01") {
    auto sink = make(std::move(options));
    ASSERT_FALSE(sink);
    const Error& error = sink.error();
    EXPECT_EQ(error.code, make_error_code(errc::invalid_request)) << error.message();
    EXPECT_NE(error.message().find("webhook sink hook"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find(expected), std::string::npos) << error.message();
    EXPECT_EQ(error.message().find(hidden), std::string::npos) << error.message();
  }

  boost::asio::io_context io_;
  SystemClock clock_;
};

TEST_F(WebhookOptions, AValidSinkSendsOneEventPerRequest) {
  auto sink = make(valid_options());
  ASSERT_TRUE(sink) << sink.error().message();
  EXPECT_EQ((*sink)->name(), "hook");
  EXPECT_EQ((*sink)->max_batch(), 1u);
}

TEST_F(WebhookOptions, AcceptsHttpsAnywhereAndAQuery) {
  for (const char* url : {"https://hooks.example.com/in?team=ops&token=abc", "https://[2001:db8::1]:8443/",
                          "http://localhost/x", "http://[::1]:9000", "https://example.com"}) {
    auto options = valid_options();
    options.url = url;
    auto sink = make(std::move(options));
    EXPECT_TRUE(sink) << url << ": " << sink.error().message();
  }
}

TEST_F(WebhookOptions, RefusesPlainHttpBeyondLoopback) {
  auto options = valid_options();
  options.url = "http://hooks.example.com/in?token=s3cr3t-query";
  expect_refused(std::move(options), "allowed only to 127.0.0.1", "s3cr3t-query");
}

TEST_F(WebhookOptions, RefusesUrlsThatAreNoEndpoint) {
  for (const char* url : {"hooks.example.com/in", "ftp://127.0.0.1/x", "https:///nohost", ""}) {
    auto options = valid_options();
    options.url = url;
    expect_refused(std::move(options), "url");
  }
  auto with_fragment = valid_options();
  with_fragment.url = "https://example.com/hook#part";
  expect_refused(std::move(with_fragment), "fragment");
}

TEST_F(WebhookOptions, RefusesCredentialsInTheUrlWithoutPrintingThem) {
  auto options = valid_options();
  options.url = "https://user:pa55word@example.com/hook";
  expect_refused(std::move(options), "user", "pa55word");
}

TEST_F(WebhookOptions, RefusesMissingOrUnusableSecretsWithoutPrintingThem) {
  auto none = valid_options();
  none.secrets.clear();
  expect_refused(std::move(none), "no signing secret");

  auto broken = valid_options();
  broken.secrets.push_back("whsec_!!top-secret-value!!");
  expect_refused(std::move(broken), "secret #2", "top-secret-value");

  auto empty = valid_options();
  empty.secrets = {""};
  expect_refused(std::move(empty), "secret #1");
}

TEST_F(WebhookOptions, RefusesHeadersTheSinkSetsItselfOrThatBreakFraming) {
  for (const char* name : {"webhook-id", "Webhook-Signature", "WEBHOOK-TIMESTAMP", "Host",
                           "content-type", "Content-Length", "Transfer-Encoding", "Connection"}) {
    auto options = valid_options();
    options.headers[name] = "x";
    expect_refused(std::move(options), "set by the webhook sink itself");
  }
}

TEST_F(WebhookOptions, RefusesHeadersThatCouldSplitTheRequest) {
  auto bad_value = valid_options();
  bad_value.headers["X-Token"] = "a\r\nX-Injected: 1";
  expect_refused(std::move(bad_value), "line break");

  auto bad_name = valid_options();
  bad_name.headers["X Token"] = "a";
  expect_refused(std::move(bad_name), "not a valid name");

  auto good = valid_options();
  good.headers["Authorization"] = "Bearer abc";
  good.headers["X-Team"] = "ops";
  EXPECT_TRUE(make(std::move(good)));
}

TEST_F(WebhookOptions, RefusesANonPositiveTimeout) {
  auto options = valid_options();
  options.timeout = std::chrono::milliseconds(0);
  expect_refused(std::move(options), "timeout");
}

}  // namespace
}  // namespace kda
