#include "support/http_exchange.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

namespace kda::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <class Stream>
asio::awaitable<HttpReply> exchange(Stream& stream, const http::request<http::string_body>& request,
                                    std::chrono::milliseconds timeout) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  lowest.expires_after(timeout);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  const auto& response = parser.get();
  HttpReply reply{static_cast<int>(response.result_int()), response.body(), {}};
  for (const auto& field : response)
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  co_return reply;
}

asio::awaitable<HttpReply> run(const HttpPeer& peer, http::request<http::string_body> request,
                               std::chrono::milliseconds timeout) {
  const tcp::endpoint endpoint{asio::ip::make_address(peer.host), peer.port};
  auto executor = co_await asio::this_coro::executor;
  if (peer.tls_ca_file.empty()) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoint, asio::use_awaitable);
    co_return co_await exchange(stream, request, timeout);
  }
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(peer.tls_ca_file);
  context.set_verify_mode(asio::ssl::verify_peer);
  const std::string name = peer.tls_name.empty() ? peer.host : peer.tls_name;
  beast::ssl_stream<beast::tcp_stream> stream(executor, context);
  boost::system::error_code not_an_address;
  asio::ip::make_address(name, not_an_address);
  if (not_an_address && !SSL_set_tlsext_host_name(stream.native_handle(), name.c_str()))
    throw std::runtime_error("cannot set SNI " + name);
  stream.set_verify_callback(asio::ssl::host_name_verification(name));
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  co_await lowest.async_connect(endpoint, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await exchange(stream, request, timeout);
}

}  // namespace

std::string HttpReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return {};
}

HttpReply http_exchange(const HttpPeer& peer, std::string_view method, std::string_view target,
                        const HttpHeaders& headers, std::string_view body,
                        std::chrono::milliseconds timeout) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  const bool v6 = peer.host.find(':') != std::string::npos;
  const std::string host_header =
      (v6 ? "[" + peer.host + "]" : peer.host) + ":" + std::to_string(peer.port);
  bool has_host = false, has_type = false;
  for (const auto& [name, value] : headers) {
    has_host = has_host || same_name(name, "Host");
    has_type = has_type || same_name(name, "Content-Type");
  }
  if (!has_host) request.set(http::field::host, host_header);
  for (const auto& [name, value] : headers) request.insert(name, value);
  if (!body.empty()) {
    if (!has_type) request.set(http::field::content_type, "application/json");
    request.body() = std::string(body);
    request.prepare_payload();
  }

  const std::string what = std::string(method) + " " + std::string(target) + " on " + host_header;
  asio::io_context io;
  std::optional<HttpReply> reply;
  std::exception_ptr failure;
  asio::co_spawn(io, run(peer, std::move(request), timeout),
                 [&](std::exception_ptr e, HttpReply r) {
                   failure = e;
                   if (!e) reply = std::move(r);
                 });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      throw std::runtime_error(what + ": " + e.what());
    }
  }
  if (!reply) throw std::runtime_error(what + ": no answer");
  return std::move(*reply);
}

}  // namespace kda::test
