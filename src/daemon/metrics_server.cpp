#include "api/coroutine_warnings.hpp"
#include "daemon/metrics_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace kda::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 1024;  // a scrape has no body

// "metrics.listen 127.0.0.1:9464: bind: Address already in use".
Error listen_error(const HostPort& address, std::string_view step, const boost::system::error_code& ec) {
  Error error;
  error.code = ec ? ec : make_error_code(errc::invalid_request);
  error.context = "metrics.listen " + address.to_string() + ": " + std::string(step);
  return error;
}

}  // namespace

std::string to_string(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host =
      address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

Result<std::shared_ptr<MetricsServer>> MetricsServer::listen(asio::any_io_executor executor,
                                                             const HostPort& address,
                                                             MetricsHandler handler,
                                                             MetricsServerOptions options) {
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(ip, address.port);
  } else {
    // A host name (config allows one, e.g. localhost): resolved once, before serving. Blocking,
    // but only at start and at a reload that changes the address.
    tcp::resolver resolver(executor);
    const auto results = resolver.resolve(address.host, std::to_string(address.port),
                                          tcp::resolver::passive, ec);
    if (ec || results.empty()) return listen_error(address, "resolve", ec);
    endpoint = results.begin()->endpoint();
  }
  tcp::acceptor acceptor(executor);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return listen_error(address, "open", ec);
  // A restarted daemon must not fail on the previous one's connections in TIME_WAIT.
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return listen_error(address, "SO_REUSEADDR", ec);
  acceptor.bind(endpoint, ec);
  if (ec) return listen_error(address, "bind", ec);
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return listen_error(address, "listen", ec);
  auto server = std::make_shared<MetricsServer>(std::move(acceptor), std::move(handler), options);
  asio::co_spawn(executor, [server] { return server->accept_loop(); }, asio::detached);
  return server;
}

MetricsServer::MetricsServer(tcp::acceptor acceptor, MetricsHandler handler,
                             MetricsServerOptions options)
    : acceptor_(std::move(acceptor)),
      local_(acceptor_.local_endpoint()),
      handler_(std::move(handler)),
      options_(options) {}

void MetricsServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (tcp::socket* socket : open_) socket->close(ignored);
}

asio::awaitable<void> MetricsServer::accept_loop() {
  auto self = shared_from_this();
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (stopped_) break;
    if (ec) {
      // EMFILE and the like pass; the listener stays.
      spdlog::warn("metrics.accept_failed error=\"{}\"", ec.message());
      continue;
    }
    if (open_.size() >= options_.max_connections) {
      spdlog::debug("metrics.refused reason=\"{} connections open\"", open_.size());
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(acceptor_.get_executor(),
                   [self, s = std::move(socket)]() mutable { return self->serve(std::move(s)); },
                   asio::detached);
  }
}

asio::awaitable<void> MetricsServer::serve(tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream stream(std::move(socket));
  tcp::socket* registered = &stream.socket();
  open_.insert(registered);
  struct Unregister {
    MetricsServer* server;
    tcp::socket* socket;
    ~Unregister() { server->open_.erase(socket); }
  } unregister{this, registered};
  if (stopped_) co_return;

  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  stream.expires_after(options_.request_timeout);
  auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, nothrow);
  (void)read_bytes;
  if (read_error == http::error::end_of_stream || stopped_) co_return;

  http::response<http::string_body> response;
  response.version(11);
  response.keep_alive(false);
  HttpAnswer answer;
  if (read_error) {
    if (read_error == beast::error::timeout) co_return;  // nothing to answer a silent client
    answer = {400, "text/plain; charset=utf-8", "bad request: " + read_error.message() + "\n"};
  } else if (const auto& request = parser.get(); request.method() != http::verb::get) {
    answer = {405, "text/plain; charset=utf-8", "only GET\n"};
    response.set(http::field::allow, "GET");
  } else {
    std::string_view path = request.target();
    path = path.substr(0, path.find('?'));
    try {
      answer = handler_(path);
    } catch (const std::exception& error) {
      spdlog::error("metrics.failed path={} error=\"{}\"", path, error.what());
      answer = {500, "text/plain; charset=utf-8", "internal error: see the daemon's log\n"};
    }
  }
  response.result(answer.status);
  response.set(http::field::content_type, answer.content_type);
  response.body() = std::move(answer.body);
  response.prepare_payload();
  stream.expires_after(options_.request_timeout);
  auto [write_error, written] = co_await http::async_write(stream, response, nothrow);
  (void)written;
  if (!write_error) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

}  // namespace kda::daemon
