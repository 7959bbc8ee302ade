#pragma once
// The simulator's sockets: accepts loopback connections and serves HTTP/1.1 (keep-alive) or
// HTTPS with one coroutine per connection, each on its own strand. For every request it asks
// the Simulator for a Reply and carries it out: waits the reply's delay on a timer (never a
// sleep), then answers, truncates, drops or hangs.
//
// Every stream operation has a deadline (expires_after), except a hung request, which waits
// for the client to close. stop() closes the acceptor; stopping the io_context then ends every
// connection. The Simulator must outlive the io_context (its coroutines hold in-flight tickets).
#include "sim/simulator.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>

namespace kda::sim {

struct ServerOptions {
  boost::asio::ip::tcp::endpoint endpoint;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
  std::chrono::milliseconds idle_timeout{60'000};  // waiting for (the rest of) a request
  bool verbose = false;                             // one stderr line per request
};

// A TLS server context from PEM files; throws std::runtime_error naming the file.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file);

class Server {
 public:
  // Binds and listens at once; throws std::runtime_error naming the endpoint on failure.
  Server(boost::asio::io_context& io, Simulator& simulator, ServerOptions options);

  // The bound address (with the real port when port 0 was asked for).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Starts accepting (on the io_context's executor).
  void start();
  // Stops accepting; open connections are ended by stopping the io_context.
  void stop();

 private:
  boost::asio::awaitable<void> accept_loop();

  boost::asio::io_context& io_;
  Simulator& simulator_;
  ServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace kda::sim
