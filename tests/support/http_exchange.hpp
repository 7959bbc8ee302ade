#pragma once
// A small blocking HTTP/1.1 client for tests: one request, one answer, on a fresh connection to
// a loopback peer (the simulator, a fake webhook). Plain TCP, or TLS verified against a CA file
// (never verify_none). Every exchange has a deadline.
//
// Errors: a connection, TLS or protocol failure, or the deadline passing, throws
// std::runtime_error naming the request ("GET /x on 127.0.0.1:4000: end of stream"); an HTTP
// error status is not an error, it is in the reply.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kda::test {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;
  std::string body;
  HttpHeaders headers;
  // The first header with this name (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
};

struct HttpPeer {
  std::string host;          // an IP address: "127.0.0.1", "::1"
  std::uint16_t port = 0;
  std::string tls_ca_file;   // empty: plain HTTP; else HTTPS trusting only this CA
  std::string tls_name;      // the name to verify (and send as SNI); empty: `host`
};

// Sends `method target` with a Host header (host:port) unless `headers` has one, plus
// `headers`; a non-empty body gets Content-Length (and Content-Type: application/json unless
// `headers` sets one).
HttpReply http_exchange(const HttpPeer& peer, std::string_view method, std::string_view target,
                        const HttpHeaders& headers = {}, std::string_view body = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace kda::test
