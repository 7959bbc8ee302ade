#include "sim/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <type_traits>

namespace kda::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds write_timeout{30};
constexpr std::chrono::seconds handshake_timeout{10};
constexpr std::uint64_t request_body_limit = 1 << 20;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
constexpr bool is_tls = std::is_same_v<Stream, TlsStream>;

void log_request(const HttpRequest& request, const Reply& reply) {
  std::fprintf(stderr, "sim.request method=%.*s target=%.*s outcome=%s delay_ms=%lld\n",
               static_cast<int>(request.method_string().size()), request.method_string().data(),
               static_cast<int>(request.target().size()), request.target().data(),
               reply.outcome.c_str(), static_cast<long long>(reply.delay.count()));
}

// Ends the connection at once: the client sees a reset or an early end of stream.
template <class Stream>
void close_now(Stream& stream) {
  auto& socket = beast::get_lowest_layer(stream).socket();
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

// Ends the connection politely after a "Connection: close" answer.
template <class Stream>
asio::awaitable<void> close_gracefully(Stream& stream) {
  if constexpr (is_tls<Stream>) {
    beast::get_lowest_layer(stream).expires_after(write_timeout);
    co_await stream.async_shutdown(nothrow);
  } else {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

// A hung request: answer nothing, keep reading (and discarding) until the client gives up.
template <class Stream>
asio::awaitable<void> wait_for_client_to_leave(Stream& stream) {
  beast::get_lowest_layer(stream).expires_never();
  std::array<char, 4096> scratch;
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), nothrow);
    if (ec) co_return;
  }
}

// Carries out one Reply; false when the connection is over.
template <class Stream>
asio::awaitable<bool> deliver(Stream& stream, Reply& reply) {
  auto& lowest = beast::get_lowest_layer(stream);
  switch (reply.delivery) {
    case Delivery::drop:
      close_now(stream);
      co_return false;
    case Delivery::hang:
      co_await wait_for_client_to_leave(stream);
      co_return false;
    case Delivery::truncated: {
      http::response_serializer<http::string_body> serializer{reply.response};
      lowest.expires_after(write_timeout);
      auto [header_error, header_bytes] = co_await http::async_write_header(stream, serializer, nothrow);
      if (!header_error) {
        const auto& body = reply.response.body();
        lowest.expires_after(write_timeout);
        co_await asio::async_write(stream, asio::buffer(body.data(), body.size() / 2), nothrow);
      }
      close_now(stream);
      co_return false;
    }
    case Delivery::normal: break;
  }
  lowest.expires_after(write_timeout);
  auto [ec, bytes] = co_await http::async_write(stream, reply.response, nothrow);
  if (ec) co_return false;
  if (!reply.response.keep_alive()) {
    co_await close_gracefully(stream);
    co_return false;
  }
  co_return true;
}

template <class Stream>
asio::awaitable<void> serve(Stream& stream, Simulator& simulator, const ServerOptions& options) {
  beast::flat_buffer buffer;
  auto executor = co_await asio::this_coro::executor;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(request_body_limit);
    beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
    auto [ec, bytes] = co_await http::async_read(stream, buffer, parser, nothrow);
    if (ec) co_return;  // closed, idle too long, or not HTTP: nothing to answer
    // The latency counts from the request's arrival, as a remote server's would: the
    // simulator's own work (checking the signature, building the answer) is inside it, not
    // added to it.
    const auto received = std::chrono::steady_clock::now();

    const HttpRequest& request = parser.get();
    Reply reply = simulator.handle(request, std::chrono::system_clock::now());
    if (options.verbose) log_request(request, reply);
    if (reply.delay.count() > 0) {
      asio::steady_timer timer(executor, received + reply.delay);
      co_await timer.async_wait(nothrow);
    }
    if (!co_await deliver(stream, reply)) co_return;
  }
}

asio::awaitable<void> plain_session(tcp::socket socket, Simulator& simulator,
                                    const ServerOptions& options) {
  beast::tcp_stream stream(std::move(socket));
  co_await serve(stream, simulator, options);
}

asio::awaitable<void> tls_session(tcp::socket socket, Simulator& simulator,
                                  const ServerOptions& options) {
  TlsStream stream(std::move(socket), *options.tls);
  beast::get_lowest_layer(stream).expires_after(handshake_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
  if (ec) {
    if (options.verbose)
      std::fprintf(stderr, "sim.tls_handshake_failed error=\"%s\"\n", ec.message().c_str());
    co_return;
  }
  co_await serve(stream, simulator, options);
}

// A session's own failure (not I/O: those end it quietly) is logged, never fatal to the server.
void report_session_end(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sim.session_failed error=\"%s\"\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "sim.session_failed error=unknown\n");
  }
}

std::string describe(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                     const std::string& key_file) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) throw std::runtime_error("--tls-cert " + cert_file + ": " + ec.message());
  context->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("--tls-key " + key_file + ": " + ec.message());
  return context;
}

Server::Server(asio::io_context& io, Simulator& simulator, ServerOptions options)
    : io_(io), simulator_(simulator), options_(std::move(options)), acceptor_(io) {
  boost::system::error_code ec;
  const auto where = [&] { return "--listen " + describe(options_.endpoint) + ": "; };
  acceptor_.open(options_.endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(options_.endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(where() + ec.message());
}

tcp::endpoint Server::local_endpoint() const { return acceptor_.local_endpoint(); }

void Server::start() {
  asio::co_spawn(io_, accept_loop(), [](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sim.accept_failed error=\"%s\"\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "sim.accept_failed error=unknown\n");
    }
  });
}

void Server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), nothrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: say so, and give the system a moment.
      std::fprintf(stderr, "sim.accept_error error=\"%s\"\n", ec.message().c_str());
      asio::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(nothrow);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    if (options_.tls)
      asio::co_spawn(executor, tls_session(std::move(socket), simulator_, options_),
                     report_session_end);
    else
      asio::co_spawn(executor, plain_session(std::move(socket), simulator_, options_),
                     report_session_end);
  }
}

}  // namespace kda::sim
