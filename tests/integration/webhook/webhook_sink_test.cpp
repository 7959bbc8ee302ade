// The webhook sink driven directly (make_webhook_sink + deliver on the test's io_context)
// against a verifying receiver on 127.0.0.1: what goes on the wire, how the receiver's answers
// become Errors the SinkWorker acts on, key rotation, tampering, a hanging receiver (timeout,
// cancel), and the README's Python recipe against a request the sink really sent.
#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/sinks.hpp"
#include "sinks/standard_webhooks.hpp"
#include "support/http_exchange.hpp"
#include "webhook_receiver.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>

namespace kda {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using test::ReceivedWebhook;
using test::ScriptedReply;
using test::WebhookReceiver;

constexpr const char* current_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* next_secret = "whsec_cm90YXRpb24ta2V5LW51bWJlci10d28h";
constexpr const char* unknown_secret = "whsec_c2V2ZW50ZWVuLWJ5dGVzISE=";

StoredEvent event(int seq) {
  StoredEvent e;
  e.seq = seq;
  e.event_id = "0b6e4a52-9d1c-4c5e-8f2a-00000000000" + std::to_string(seq);
  e.poll_id = 3;
  e.observed_at = "2026-11-23T07:00:00.000Z";
  e.type = "scope.removed";
  e.account_id = "1505084218764547200";
  e.device_id = "1775406005920779393";
  e.device_name = "Laptop \"work\"";
  e.module_code = 100;
  e.scope_id = "184284671552736652" + std::to_string(seq);
  e.before_json = R"({"local_path":"/Documents/é"})";
  e.after_json = "null";
  return e;
}

// The clock's now, whole seconds: what the receiver's real clock will find fresh.
SystemTime now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::int64_t unix_seconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

errc code_of(const Error& error) {
  EXPECT_EQ(error.code.category(), error_category()) << error.message();
  return static_cast<errc>(error.code.value());
}

class WebhookSinkTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sink> make_sink(std::string url, std::vector<std::string> secrets = {current_secret},
                                  std::chrono::milliseconds timeout = 5s,
                                  std::map<std::string, std::string> headers = {}) {
    WebhookSinkOptions options;
    options.name = "hook";
    options.url = std::move(url);
    options.secrets = std::move(secrets);
    options.headers = std::move(headers);
    options.timeout = timeout;
    auto sink = make_webhook_sink(io_.get_executor(), std::move(options), clock_);
    if (!sink) throw std::runtime_error(sink.error().message());
    return std::move(*sink);
  }

  // Runs deliver() to its end; a watchdog fails the test if it takes longer than `limit`.
  Result<void> deliver(Sink& sink, std::vector<StoredEvent> events,
                       std::chrono::milliseconds limit = 10s) {
    std::optional<Result<void>> result;
    asio::co_spawn(io_, sink.deliver(events), [&](std::exception_ptr error, Result<void> value) {
      if (error) std::rethrow_exception(error);
      result.emplace(std::move(value));
    });
    const auto until = std::chrono::steady_clock::now() + limit;
    io_.restart();
    while (!result && std::chrono::steady_clock::now() < until) io_.run_one_until(until);
    if (!result) throw std::runtime_error("watchdog: deliver() did not finish in time");
    return std::move(*result);
  }

  asio::io_context io_;
  ManualClock clock_{now_seconds()};
};

TEST_F(WebhookSinkTest, PostsEachEventSignedWithItsIdAndTheClocksTime) {
  WebhookReceiver receiver({current_secret});
  auto sink = make_sink(receiver.url("/hook?team=ops&route=a%2Fb"), {current_secret}, 5s,
                        {{"X-Team", "ops"}});
  std::vector<std::int64_t> timestamps;
  for (int seq = 1; seq <= 3; ++seq) {
    timestamps.push_back(unix_seconds(clock_.now()));
    auto delivered = deliver(*sink, {event(seq)});
    ASSERT_TRUE(delivered) << delivered.error().message();
    clock_.advance(7s);  // taken at send time: each request has its own
  }

  const std::vector<ReceivedWebhook> received = receiver.received();
  ASSERT_EQ(received.size(), 3u);
  for (std::size_t i = 0; i < received.size(); ++i) {
    const ReceivedWebhook& request = received[i];
    const StoredEvent sent = event(static_cast<int>(i) + 1);
    EXPECT_TRUE(request.verified);
    EXPECT_TRUE(request.recomputed);
    EXPECT_EQ(request.status, 200);
    EXPECT_EQ(request.target, "/hook?team=ops&route=a%2Fb");
    EXPECT_EQ(request.id, sent.event_id);
    EXPECT_EQ(request.timestamp, std::to_string(timestamps[i]));
    EXPECT_EQ(request.content_type, "application/json");
    EXPECT_EQ(request.body, event_to_json(sent));
    EXPECT_EQ(request.signature,
              webhooks::signature_header(sent.event_id, timestamps[i], request.body, {current_secret}));
    EXPECT_THAT(request.headers, ::testing::Contains(std::pair<std::string, std::string>("X-Team", "ops")));
  }
  EXPECT_EQ(receiver.accepted_ids(), receiver.arrived_ids());
}

TEST_F(WebhookSinkTest, AnswersBecomeErrorsTheWorkerCanActOn) {
  WebhookReceiver receiver({current_secret});
  receiver.then(503, 2);
  receiver.then(ScriptedReply{429, {{"Retry-After", "1"}}, "slow down", false});
  auto sink = make_sink(receiver.url());
  const StoredEvent sent = event(1);

  std::vector<Error> errors;
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto delivered = deliver(*sink, {sent});
    if (delivered) break;
    errors.push_back(delivered.error());
  }
  ASSERT_EQ(errors.size(), 3u);
  for (const Error& error : errors) {
    EXPECT_EQ(code_of(error), errc::http_status);
    EXPECT_TRUE(error.transient()) << error.message();
    EXPECT_THAT(error.message(), HasSubstr("sink hook POST " + receiver.url() + " event " + sent.event_id));
  }
  EXPECT_EQ(errors[0].http_status, 503);
  EXPECT_EQ(errors[1].http_status, 503);
  EXPECT_THAT(errors[0].message(), HasSubstr("HTTP 503: body: scripted 503"));
  EXPECT_FALSE(errors[0].retry_after);
  EXPECT_EQ(errors[2].http_status, 429);
  EXPECT_EQ(errors[2].retry_after, std::chrono::milliseconds(1000));

  EXPECT_THAT(receiver.arrived_ids(), ElementsAre(sent.event_id, sent.event_id, sent.event_id, sent.event_id));
  EXPECT_THAT(receiver.accepted_ids(), ElementsAre(sent.event_id));
  for (const ReceivedWebhook& request : receiver.received()) {
    EXPECT_TRUE(request.verified && request.recomputed);
    EXPECT_EQ(request.body, event_to_json(sent)) << "a redelivery is the same event";
  }
}

TEST_F(WebhookSinkTest, AnAnswerEchoingTheRequestsCredentialsIsQuotedWithoutThem) {
  WebhookReceiver receiver({current_secret});
  // A receiver (or a proxy's error page) quoting back what it got.
  receiver.then(ScriptedReply{400, {}, "rejected Authorization: Bearer hdr-cred-0123456789 for /hook?route=soc&"
                                       "token=query-tok-987654321; token query-tok-987654321; hdr-cred-0123456789",
                              false});
  auto sink = make_sink(receiver.url("/hook?route=soc&token=query-tok-987654321"), {current_secret}, 5s,
                        {{"Authorization", "Bearer hdr-cred-0123456789"}, {"X-Tenant", "acme"}});
  auto refused = deliver(*sink, {event(1)});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 400);
  const std::string message = refused.error().message();
  EXPECT_THAT(message, Not(HasSubstr("hdr-cred-0123456789"))) << message;
  EXPECT_THAT(message, Not(HasSubstr("query-tok-987654321"))) << message;
  EXPECT_THAT(message, HasSubstr("body: rejected Authorization: *** for /hook?***; token ***; ***")) << message;
  // They were sent, so the receiver did see them.
  ASSERT_EQ(receiver.count(), 1u);
  EXPECT_EQ(receiver.received()[0].target, "/hook?route=soc&token=query-tok-987654321");
}

TEST_F(WebhookSinkTest, RetryAfterMayBeAnHttpDate) {
  WebhookReceiver receiver({current_secret});
  const std::time_t later = std::chrono::system_clock::to_time_t(clock_.now() + 120s);
  std::tm parts{};
  gmtime_r(&later, &parts);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  receiver.then(ScriptedReply{503, {{"Retry-After", date}}, "", false});
  auto sink = make_sink(receiver.url());
  auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().retry_after, std::chrono::milliseconds(120'000)) << date;
  EXPECT_THAT(delivered.error().message(), HasSubstr("HTTP 503: empty body"));
}

TEST_F(WebhookSinkTest, QuotesAtMost200BytesOfTheAnswerWithoutControlCharacters) {
  WebhookReceiver receiver({current_secret});
  const std::string body = "bad\r\nX-Forged: yes\tand\x1b[31m" + std::string(300, 'x');
  receiver.then(ScriptedReply{400, {}, body, false});
  receiver.then(ScriptedReply{410, {}, "gone for good", false});
  auto sink = make_sink(receiver.url());

  auto refused = deliver(*sink, {event(1)});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 400);
  EXPECT_FALSE(refused.error().transient());
  const std::string& detail = refused.error().detail;
  EXPECT_THAT(detail, HasSubstr("body: bad  X-Forged: yes and [31mxxx"));
  EXPECT_EQ(detail.find_first_of("\r\n\t\x1b"), std::string::npos) << detail;
  EXPECT_EQ(detail, "body: " + std::string("bad  X-Forged: yes and [31m") + std::string(200 - 27, 'x') + "…");

  auto gone = deliver(*sink, {event(1)});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().http_status, 410);
  EXPECT_THAT(gone.error().message(), HasSubstr("HTTP 410: body: gone for good"));
}

TEST_F(WebhookSinkTest, DuringRotationAReceiverKnowingOnlyTheNewSecretAccepts) {
  WebhookReceiver receiver({next_secret});
  auto sink = make_sink(receiver.url(), {current_secret, next_secret});
  auto delivered = deliver(*sink, {event(1)});
  ASSERT_TRUE(delivered) << delivered.error().message();
  const auto received = receiver.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(std::count(received[0].signature.begin(), received[0].signature.end(), ' '), 1)
      << received[0].signature;
  EXPECT_TRUE(received[0].verified && received[0].recomputed);

  // The old secret alone, and a key nobody configured, are refused.
  WebhookReceiver stranger({unknown_secret});
  auto refused = deliver(*make_sink(stranger.url(), {current_secret, next_secret}), {event(2)});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 401);
  EXPECT_THAT(stranger.received(), ElementsAre(::testing::Field(&ReceivedWebhook::verified, false)));
}

TEST_F(WebhookSinkTest, AReceiverRefusesAStaleTimestamp) {
  WebhookReceiver receiver({current_secret});
  clock_.set(now_seconds() - 10min);
  auto refused = deliver(*make_sink(receiver.url()), {event(1)});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 401);
  EXPECT_THAT(receiver.accepted_ids(), ::testing::IsEmpty());
}

TEST_F(WebhookSinkTest, AReceiverRefusesATamperedBodyButNotTheGenuineOne) {
  WebhookReceiver receiver({current_secret});
  ASSERT_TRUE(deliver(*make_sink(receiver.url()), {event(1)}));
  const ReceivedWebhook genuine = receiver.received().at(0);
  const test::HttpHeaders headers = {{"webhook-id", genuine.id},
                                     {"webhook-timestamp", genuine.timestamp},
                                     {"webhook-signature", genuine.signature},
                                     {"Content-Type", "application/json"}};
  const test::HttpPeer peer{"127.0.0.1", receiver.port(), "", ""};

  std::string tampered = genuine.body;
  tampered.replace(tampered.find("scope.removed"), 13, "scope.added  ");
  EXPECT_EQ(test::http_exchange(peer, "POST", "/hook", headers, tampered).status, 401);
  // The same bytes as signed pass: the 401 was the tampering, not the replay.
  EXPECT_EQ(test::http_exchange(peer, "POST", "/hook", headers, genuine.body).status, 200);
}

TEST_F(WebhookSinkTest, AHangingReceiverTimesOut) {
  WebhookReceiver receiver({current_secret});
  receiver.hang_from_now_on();
  auto sink = make_sink(receiver.url(), {current_secret}, 300ms);
  const auto started = std::chrono::steady_clock::now();
  auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered);
  EXPECT_EQ(code_of(delivered.error()), errc::timeout) << delivered.error().message();
  EXPECT_TRUE(delivered.error().transient());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(receiver.count(), 1u);
}

TEST_F(WebhookSinkTest, CancelEndsAHangingRequestAtOnceAndForGood) {
  WebhookReceiver receiver({current_secret});
  receiver.hang_from_now_on();
  auto sink = make_sink(receiver.url(), {current_secret}, 60s);

  const std::vector<StoredEvent> batch = {event(1)};  // deliver() keeps a reference to it
  std::optional<Result<void>> result;
  asio::co_spawn(io_, sink->deliver(batch), [&](std::exception_ptr error, Result<void> value) {
    if (error) std::rethrow_exception(error);
    result.emplace(std::move(value));
  });
  const auto watchdog = std::chrono::steady_clock::now() + 10s;
  // The request is in flight once the receiver holds it.
  while (receiver.count() == 0 && std::chrono::steady_clock::now() < watchdog) io_.run_for(5ms);
  ASSERT_EQ(receiver.count(), 1u);
  ASSERT_FALSE(result);

  const auto cancelled_at = std::chrono::steady_clock::now();
  sink->cancel();
  while (!result && std::chrono::steady_clock::now() < watchdog) io_.run_for(5ms);
  ASSERT_TRUE(result) << "deliver() did not end after cancel()";
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 1s);
  ASSERT_FALSE(*result);
  EXPECT_EQ(code_of(result->error()), errc::cancelled) << result->error().message();

  // Later deliveries end at once, without a request.
  auto later = deliver(*sink, {event(2)}, 1s);
  ASSERT_FALSE(later);
  EXPECT_EQ(code_of(later.error()), errc::cancelled);
  EXPECT_EQ(receiver.count(), 1u);
}

TEST_F(WebhookSinkTest, ARefusedConnectionIsTransientAndQuotesNoSecret) {
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  auto sink = make_sink("http://127.0.0.1:" + std::to_string(port) + "/hook?token=s3cr3t-query");
  auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered);
  EXPECT_EQ(code_of(delivered.error()), errc::connection_failed) << delivered.error().message();
  EXPECT_TRUE(delivered.error().transient());
  const std::string message = delivered.error().message();
  EXPECT_THAT(message, HasSubstr("sink hook POST http://127.0.0.1:" + std::to_string(port) + "/hook?… event "));
  EXPECT_THAT(message, Not(HasSubstr("s3cr3t-query")));
  EXPECT_THAT(message, Not(HasSubstr("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")));
}

TEST_F(WebhookSinkTest, AnEmptyBatchSendsNothing) {
  WebhookReceiver receiver({current_secret});
  EXPECT_TRUE(deliver(*make_sink(receiver.url()), {}));
  EXPECT_EQ(receiver.count(), 0u);
}

// Runs the README's Python recipe on one request; its exit code (0 = verified).
int python_recipe(const std::string& secret, const ReceivedWebhook& request, const std::string& body) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() /
                       ("kda-webhook-recipe-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "secret") << secret;
  {
    std::ofstream headers(dir / "headers");
    for (const auto& [name, value] : request.headers) headers << name << ": " << value << "\n";
  }
  std::ofstream(dir / "body", std::ios::binary) << body;
  const std::string command = "python3 '" KDA_WEBHOOK_RECIPE "' '" + dir.string() + "'";
  const int status = std::system(command.c_str());
  fs::remove_all(dir);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(WebhookSinkTest, TheReadmeRecipeVerifiesARealRequest) {
  WebhookReceiver receiver({next_secret});
  ASSERT_TRUE(deliver(*make_sink(receiver.url(), {current_secret, next_secret}), {event(1)}));
  const ReceivedWebhook request = receiver.received().at(0);
  EXPECT_EQ(python_recipe(current_secret, request, request.body), 0);
  EXPECT_EQ(python_recipe(next_secret, request, request.body), 0);
  EXPECT_EQ(python_recipe(unknown_secret, request, request.body), 1);
  EXPECT_EQ(python_recipe(next_secret, request, request.body + " "), 1);
}

}  // namespace
}  // namespace kda
