#pragma once
// The HTTP endpoint behind metrics.listen: GET /metrics and GET /healthz (Beast, on the
// daemon's io_context; plain HTTP, meant for loopback or a trusted network).
//
// Promises:
// - Only GET (and nothing but the two paths, which the Handler decides): another method is
//   405 with `Allow: GET`, another path 404. A query string is ignored.
// - Each connection serves one request and closes (`Connection: close`). Reading the request
//   has a deadline (request_timeout) and a size limit (8 KiB of header, 1 KiB of body, more is
//   400); at most max_connections are served at once, and a connection beyond that is closed
//   at once, so a slow or flooding client cannot starve the daemon.
// - stop() closes the listener and every open connection; afterwards nothing of the server
//   runs. The server is shared-owned: its coroutines keep it alive until they end.
// Errors: listen() returns an Error naming the address and why (in use, not an address of
// this host, permission); nothing is thrown afterwards.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "koodrive_audit/config.hpp"
#include "koodrive_audit/error.hpp"

namespace kda::daemon {

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers GET `path` ("/metrics"); nullopt-like 404 is the handler's choice. Runs on the
// server's executor; may throw (the request is then answered 500, the error logged).
using MetricsHandler = std::function<HttpAnswer(std::string_view path)>;

struct MetricsServerOptions {
  std::chrono::milliseconds request_timeout{5'000};
  std::size_t max_connections = 16;
};

class MetricsServer : public std::enable_shared_from_this<MetricsServer> {
 public:
  // Binds and listens on `address` (a host name is resolved once, here) and starts accepting.
  static Result<std::shared_ptr<MetricsServer>> listen(boost::asio::any_io_executor executor,
                                                       const HostPort& address,
                                                       MetricsHandler handler,
                                                       MetricsServerOptions options = {});
  MetricsServer(boost::asio::ip::tcp::acceptor acceptor, MetricsHandler handler,
                MetricsServerOptions options);

  // The bound address: with port 0 configured, the port the system picked.
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  // Connections being served now.
  std::size_t open_connections() const noexcept { return open_.size(); }
  void stop();

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint local_;
  MetricsHandler handler_;
  MetricsServerOptions options_;
  std::set<boost::asio::ip::tcp::socket*> open_;
  bool stopped_ = false;
};

// "127.0.0.1:9464", "[::1]:9464".
std::string to_string(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace kda::daemon
