// MetricsServer on 127.0.0.1 with an ephemeral port: GET only, the handler's answers, a
// throwing handler, the read deadline, the connection limit, and a bind failure that names
// the address. The io_context runs on a second thread so that the test can use a blocking
// client; everything of the server is touched on that thread only (on_io).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "daemon/metrics_server.hpp"
#include "support/http_exchange.hpp"
#include "support/wait.hpp"

namespace kda::daemon {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

HttpAnswer answer(std::string_view path) {
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", "m 1\n"};
  if (path == "/boom") throw std::runtime_error("the store is gone");
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void start(MetricsServerOptions options = {}) {
    auto listening = MetricsServer::listen(io_.get_executor(), {"127.0.0.1", 0}, answer, options);
    ASSERT_TRUE(listening) << listening.error().message();
    server_ = *listening;
    peer_ = {"127.0.0.1", server_->local_endpoint().port(), "", ""};
    // The guard keeps run() going until TearDown, so that on_io always has a thread to run on.
    thread_ = std::thread([this] { io_.run(); });
  }
  // Runs `f` on the io thread and returns its result.
  template <class F>
  auto on_io(F f) {
    std::promise<decltype(f())> result;
    asio::post(io_, [&] { result.set_value(f()); });
    return result.get_future().get();
  }
  void TearDown() override {
    if (thread_.joinable()) {
      on_io([this] { server_->stop(); return 0; });
      work_.reset();
      thread_.join();  // the server's coroutines end, so run() returns
    }
  }
  // A raw connection that reads until the peer closes; throws after 5 s.
  std::string read_until_closed(tcp::socket& socket) {
    timeval limit{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    std::string got;
    char buffer[512];
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
      got.append(buffer, n);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return got;
      if (ec) throw std::runtime_error("read: " + ec.message());
    }
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::shared_ptr<MetricsServer> server_;
  test::HttpPeer peer_;
  std::thread thread_;
};

TEST_F(MetricsServerTest, AnswersGetWithTheHandlersAnswerAndCloses) {
  start();
  const test::HttpReply reply = test::http_exchange(peer_, "GET", "/metrics?x=1");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "m 1\n");
  EXPECT_EQ(reply.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(reply.header("Connection"), "close");
  EXPECT_EQ(test::http_exchange(peer_, "GET", "/other").status, 404);
}

TEST_F(MetricsServerTest, OnlyGet) {
  start();
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    const test::HttpReply reply = test::http_exchange(peer_, method, "/metrics");
    EXPECT_EQ(reply.status, 405);
    EXPECT_EQ(reply.header("Allow"), "GET");
  }
}

TEST_F(MetricsServerTest, AThrowingHandlerIs500WithoutItsMessage) {
  start();
  const test::HttpReply reply = test::http_exchange(peer_, "GET", "/boom");
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, ::testing::Not(HasSubstr("store")));
}

TEST_F(MetricsServerTest, AnOversizedBodyIs400) {
  start();
  const test::HttpReply reply =
      test::http_exchange(peer_, "GET", "/metrics", {}, std::string(4096, 'x'));
  EXPECT_EQ(reply.status, 400);
}

TEST_F(MetricsServerTest, ASilentClientIsDisconnectedAtTheDeadline) {
  start({.request_timeout = 200ms, .max_connections = 16});
  asio::io_context client_io;
  tcp::socket socket(client_io);
  socket.connect(server_->local_endpoint());
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(read_until_closed(socket), "");
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 4s);
}

TEST_F(MetricsServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  start({.request_timeout = 30s, .max_connections = 1});
  asio::io_context client_io;
  tcp::socket idle(client_io);
  idle.connect(server_->local_endpoint());
  ASSERT_TRUE(test::wait_until([&] { return on_io([&] { return server_->open_connections(); }) == 1; },
                               5s));
  tcp::socket refused(client_io);
  refused.connect(server_->local_endpoint());
  asio::write(refused, asio::buffer(std::string_view("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")));
  EXPECT_EQ(read_until_closed(refused), "") << "closed without an answer";
  idle.close();
  ASSERT_TRUE(test::wait_until([&] { return on_io([&] { return server_->open_connections(); }) == 0; },
                               5s));
  EXPECT_EQ(test::http_exchange(peer_, "GET", "/metrics").status, 200);
}

TEST_F(MetricsServerTest, ABindFailureNamesTheAddressAndWhy) {
  start();
  const HostPort taken{"127.0.0.1", server_->local_endpoint().port()};
  asio::io_context other;
  auto second = MetricsServer::listen(other.get_executor(), taken, answer);
  ASSERT_FALSE(second);
  EXPECT_THAT(second.error().message(), HasSubstr("metrics.listen " + taken.to_string()));
  EXPECT_THAT(second.error().message(), HasSubstr("bind"));
  EXPECT_THAT(second.error().message(), HasSubstr("in use"));
}

TEST_F(MetricsServerTest, StopClosesTheListener) {
  start();
  const auto endpoint = server_->local_endpoint();
  on_io([this] { server_->stop(); return 0; });
  asio::io_context client_io;
  tcp::socket socket(client_io);
  boost::system::error_code ec;
  socket.connect(endpoint, ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

}  // namespace
}  // namespace kda::daemon
