#pragma once
// HTTP/1.1 transport for one endpoint (Boost.Beast): TLS with peer and host-name verification,
// or plain TCP to loopback only; a keep-alive pool of at most `max_connections` connections;
// one deadline per request covering the pool wait, connect, handshake, write and read.
//
// Executor: the one given to make_http_client; not thread-safe. Ownership: shared; a send()
// in progress keeps the client alive. Errors (never exceptions): errc::timeout,
// connection_failed (resolve, connect, TLS, a peer that closes or truncates), body_too_large,
// malformed_response (not HTTP), cancelled (after stop()). An HTTP status is not an error here.
#include "api/endpoint.hpp"
#include "koodrive_audit/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kda::api {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // "/path?query"
  std::vector<std::pair<std::string, std::string>> headers;  // Host is added by the transport
  std::string body;          // sent with Content-Length when not empty
  std::string content_type;  // for the body, e.g. "application/json"
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, "" when absent
  std::string date;         // the Date header, "" when absent
};

struct TransportOptions {
  std::string ca_file;  // "" = system default verify paths
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_connections = 8;
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
};

// Builds the request right before it is written: called once per write, so time-dependent
// headers (X-Date, a signature) are fresh when a stale keep-alive connection forces a resend.
using RequestBuilder = std::function<Result<HttpRequest>()>;

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // One exchange. A reused idle connection that fails before any response byte (the server
  // closed it while idle) is retried once on a fresh connection. `context` prefixes errors.
  virtual boost::asio::awaitable<Result<HttpResponse>> send(RequestBuilder build,
                                                            std::string context) = 0;
  // Cancels every pool wait and open connection; later sends fail with errc::cancelled.
  virtual void stop() = 0;
  virtual const Endpoint& endpoint() const noexcept = 0;
  virtual std::uint64_t connections_opened() const noexcept = 0;
};

// Validates the options and loads the trust store (errc::invalid_request if unusable).
Result<std::shared_ptr<HttpClient>> make_http_client(boost::asio::any_io_executor executor,
                                                     Endpoint endpoint, TransportOptions options);

}  // namespace kda::api
