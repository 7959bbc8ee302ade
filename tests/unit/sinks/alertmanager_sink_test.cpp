// The Alertmanager sink against scripted fake Alertmanagers on 127.0.0.1 (same io_context):
// what it sends, how it reads answers, the HA rule, timeouts and cancel(). The real
// Alertmanager is in tests/integration/alertmanager.
#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/sinks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <memory>
#include <optional>

namespace kda {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct Received {
  std::string method;
  std::string target;
  std::string content_type;
  std::string body;
};

// Answers every request with `status` (and Retry-After when set), or never answers (`hang`).
class FakeAlertmanager {
 public:
  explicit FakeAlertmanager(asio::io_context& io)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }

  std::string url(std::string_view prefix = {}) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
           std::string(prefix);
  }

  int status = 200;
  std::string retry_after;
  std::string answer_body;
  bool hang = false;
  std::vector<Received> received;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      co_await http::async_read(stream, buffer, request,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      received.push_back({std::string(request.method_string()), std::string(request.target()),
                          std::string(request[http::field::content_type]), request.body()});
      if (hang) {
        asio::steady_timer forever(stream.get_executor(), 1h);
        co_await forever.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      http::response<http::string_body> response{static_cast<http::status>(status), 11};
      if (!retry_after.empty()) response.set(http::field::retry_after, retry_after);
      response.body() = answer_body;
      response.prepare_payload();
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  tcp::acceptor acceptor_;
};

// A port nothing listens on: bound, read, closed.
std::string closed_url() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return "http://127.0.0.1:" + std::to_string(port);
}

StoredEvent event(std::int64_t seq) {
  StoredEvent e;
  e.seq = seq;
  e.event_id = "event-" + std::to_string(seq);
  e.observed_at = "2026-11-23T07:00:00.000Z";
  e.type = "scope.removed";
  e.account_id = "1505084218764547200";
  e.device_id = "1842812272691451648";
  e.device_name = "P60 Art";
  e.module_code = 101;
  e.scope_id = "18428467155273665" + std::to_string(seq);
  e.before_json = R"({"scope_id":"x","module_code":101,"local_path":"/DCIM",)"
                  R"("target_folder_path":"/backup/DCIM","create_time":"1"})";
  e.after_json = "null";
  return e;
}

class AlertmanagerSinkTest : public ::testing::Test {
 protected:
  std::unique_ptr<Sink> make(std::vector<std::string> urls,
                             std::chrono::milliseconds timeout = 5s) {
    AlertmanagerSinkOptions options;
    options.name = "pager";
    options.urls = std::move(urls);
    options.severity = {{"scope.removed", "critical"}};
    options.timeout = timeout;
    auto sink = make_alertmanager_sink(io_.get_executor(), std::move(options), clock_);
    EXPECT_TRUE(sink.has_value()) << sink.error().message();
    return sink ? std::move(*sink) : nullptr;
  }

  // Starts deliver() on the io_context; `done` is set when it finishes.
  void start(Sink& sink, std::vector<StoredEvent> events) {
    done_.reset();
    events_ = std::move(events);  // deliver() reads them by reference once it runs
    asio::co_spawn(io_, sink.deliver(events_),
                   [this](std::exception_ptr error, Result<void> result) {
                     if (error) std::rethrow_exception(error);
                     done_ = std::move(result);
                   });
  }

  // Runs the io_context until `predicate` holds or the watchdog deadline passes.
  bool run_until(const std::function<bool()>& predicate, std::chrono::milliseconds deadline = 20s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!predicate() && std::chrono::steady_clock::now() < until) io_.run_one_for(20ms);
    return predicate();
  }

  Result<void> deliver(Sink& sink, std::vector<StoredEvent> events) {
    start(sink, std::move(events));
    if (!run_until([this] { return done_.has_value(); })) {
      ADD_FAILURE() << "deliver() did not finish";
      return make_error(errc::timeout, "test watchdog");
    }
    return *done_;
  }

  asio::io_context io_;
  ManualClock clock_{std::chrono::system_clock::now()};
  std::vector<StoredEvent> events_;
  std::optional<Result<void>> done_;
};

TEST_F(AlertmanagerSinkTest, PostsTheBatchAsOneJsonArrayToApiV2Alerts) {
  FakeAlertmanager alertmanager(io_);
  auto sink = make({alertmanager.url("/am")});
  ASSERT_TRUE(sink);
  EXPECT_EQ(sink->name(), "pager");
  EXPECT_EQ(sink->max_batch(), 64u);

  const auto delivered = deliver(*sink, {event(1), event(2), event(3)});
  ASSERT_TRUE(delivered.has_value()) << delivered.error().message();
  ASSERT_EQ(alertmanager.received.size(), 1u);
  const Received& request = alertmanager.received[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/am/api/v2/alerts");
  EXPECT_EQ(request.content_type, "application/json");
  const json::array alerts = json::parse(request.body).as_array();
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[0].at("annotations").at("event_id"), "event-1");
  EXPECT_EQ(alerts[2].at("annotations").at("event_id"), "event-3");
  EXPECT_EQ(alerts[0].at("labels").at("severity"), "critical");
}

TEST_F(AlertmanagerSinkTest, EmptyBatchSendsNothing) {
  FakeAlertmanager alertmanager(io_);
  auto sink = make({alertmanager.url()});
  ASSERT_TRUE(deliver(*sink, {}).has_value());
  EXPECT_TRUE(alertmanager.received.empty());
}

TEST_F(AlertmanagerSinkTest, RefusalIsAnHttpStatusErrorWithRetryAfterAndTheReason) {
  FakeAlertmanager alertmanager(io_);
  alertmanager.status = 503;
  alertmanager.retry_after = "7";
  alertmanager.answer_body = "\"cluster not ready\"";
  auto sink = make({alertmanager.url()});
  const auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered.has_value());
  const Error& error = delivered.error();
  EXPECT_EQ(error.code, make_error_code(errc::http_status));
  EXPECT_EQ(error.http_status, 503);
  EXPECT_EQ(error.retry_after, std::chrono::milliseconds(7s));
  EXPECT_THAT(error.message(), HasSubstr("alertmanager sink pager"));
  EXPECT_THAT(error.message(), HasSubstr(alertmanager.url() + "/api/v2/alerts"));
  EXPECT_THAT(error.message(), HasSubstr("cluster not ready"));
}

TEST_F(AlertmanagerSinkTest, LongErrorBodyIsCut) {
  FakeAlertmanager alertmanager(io_);
  alertmanager.status = 400;
  alertmanager.answer_body = std::string(5000, 'x');
  auto sink = make({alertmanager.url()});
  const auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered.has_value());
  EXPECT_EQ(delivered.error().http_status, 400);
  EXPECT_LT(delivered.error().detail.size(), 300u);
}

TEST_F(AlertmanagerSinkTest, HaClusterDeliveredWhenOneMemberAcceptsAndEachMemberGetsIt) {
  FakeAlertmanager failing(io_);
  failing.status = 500;
  FakeAlertmanager accepting(io_);
  auto sink = make({failing.url(), accepting.url()});
  const auto delivered = deliver(*sink, {event(1), event(2)});
  ASSERT_TRUE(delivered.has_value()) << delivered.error().message();
  EXPECT_EQ(failing.received.size(), 1u);
  ASSERT_EQ(accepting.received.size(), 1u);
  EXPECT_EQ(failing.received[0].body, accepting.received[0].body);

  // Order does not matter: accepted by the first, refused by the second.
  auto reversed = make({accepting.url(), failing.url()});
  EXPECT_TRUE(deliver(*reversed, {event(3)}).has_value());
}

TEST_F(AlertmanagerSinkTest, HaClusterWithNoMemberAcceptingNamesEveryUrl) {
  FakeAlertmanager busy(io_);
  busy.status = 429;
  busy.retry_after = "30";
  const std::string dead = closed_url();
  auto sink = make({busy.url(), dead});
  const auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered.has_value());
  const Error& error = delivered.error();
  // The last member's error decides the kind; the longest Retry-After any member sent holds.
  EXPECT_EQ(error.code, make_error_code(errc::connection_failed));
  EXPECT_EQ(error.retry_after, std::chrono::milliseconds(30s));
  EXPECT_THAT(error.message(), HasSubstr("none of 2 Alertmanagers accepted the batch"));
  EXPECT_THAT(error.message(), HasSubstr(busy.url() + "/api/v2/alerts: HTTP 429"));
  EXPECT_THAT(error.message(), HasSubstr(dead + "/api/v2/alerts"));
}

TEST_F(AlertmanagerSinkTest, ConnectionRefusedIsAConnectionError) {
  const std::string dead = closed_url();
  auto sink = make({dead});
  const auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered.has_value());
  EXPECT_EQ(delivered.error().code, make_error_code(errc::connection_failed));
  EXPECT_TRUE(delivered.error().transient());
  EXPECT_THAT(delivered.error().message(), HasSubstr(dead + "/api/v2/alerts"));
}

TEST_F(AlertmanagerSinkTest, SilentMemberTimesOut) {
  FakeAlertmanager silent(io_);
  silent.hang = true;
  auto sink = make({silent.url()}, 200ms);
  const auto delivered = deliver(*sink, {event(1)});
  ASSERT_FALSE(delivered.has_value());
  EXPECT_EQ(delivered.error().code, make_error_code(errc::timeout));
}

TEST_F(AlertmanagerSinkTest, SilentMemberDoesNotBlockTheOtherBeyondOneTimeout) {
  FakeAlertmanager silent(io_);
  silent.hang = true;
  FakeAlertmanager accepting(io_);
  auto sink = make({silent.url(), accepting.url()}, 300ms);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(deliver(*sink, {event(1)}).has_value());
  EXPECT_EQ(accepting.received.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(AlertmanagerSinkTest, CancelEndsARequestInFlightAtOnce) {
  FakeAlertmanager silent(io_);
  silent.hang = true;
  auto sink = make({silent.url()}, 60s);
  start(*sink, {event(1)});
  ASSERT_TRUE(run_until([&] { return !silent.received.empty(); }));
  const auto cancelled_at = std::chrono::steady_clock::now();
  sink->cancel();
  ASSERT_TRUE(run_until([this] { return done_.has_value(); }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 1s);
  ASSERT_FALSE(done_->has_value());
  EXPECT_EQ(done_->error().code, make_error_code(errc::cancelled));
  EXPECT_THAT(done_->error().message(), HasSubstr("alertmanager sink pager"));

  // A cancelled sink sends nothing more.
  const auto again = deliver(*sink, {event(2)});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, make_error_code(errc::cancelled));
  EXPECT_EQ(silent.received.size(), 1u);
}

TEST_F(AlertmanagerSinkTest, UnusableOptionsAreRefusedNamingTheSink) {
  AlertmanagerSinkOptions none;
  none.name = "pager";
  auto no_url = make_alertmanager_sink(io_.get_executor(), none, clock_);
  ASSERT_FALSE(no_url.has_value());
  EXPECT_EQ(no_url.error().code, make_error_code(errc::invalid_request));
  EXPECT_THAT(no_url.error().message(), HasSubstr("alertmanager sink pager"));

  AlertmanagerSinkOptions remote_plain = none;
  remote_plain.urls = {"http://alertmanager.example.com:9093"};
  auto refused = make_alertmanager_sink(io_.get_executor(), remote_plain, clock_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message(), HasSubstr("alertmanager sink pager"));

  AlertmanagerSinkOptions zero = none;
  zero.urls = {"http://127.0.0.1:9093"};
  zero.alert_duration = 0ms;
  EXPECT_FALSE(make_alertmanager_sink(io_.get_executor(), zero, clock_).has_value());
}

TEST_F(AlertmanagerSinkTest, BadEventIsReportedBeforeAnythingIsSent) {
  FakeAlertmanager alertmanager(io_);
  auto sink = make({alertmanager.url()});
  StoredEvent bad = event(1);
  bad.observed_at = "not a time";
  const auto delivered = deliver(*sink, {bad});
  ASSERT_FALSE(delivered.has_value());
  EXPECT_EQ(delivered.error().code, make_error_code(errc::invalid_request));
  EXPECT_THAT(delivered.error().message(), HasSubstr("alertmanager sink pager: event event-1"));
  EXPECT_TRUE(alertmanager.received.empty());
}

}  // namespace
}  // namespace kda
