#pragma once
// The built koodrive-sim as a child process, for integration tests.
//
// The constructor starts the binary (KDA_SIM_BINARY, set by the build) with the given
// arguments (add "--listen", "127.0.0.1:0" yourself or rely on the default), reads its first
// stdout line "listening on HOST:PORT" within `start_timeout`, and throws std::runtime_error
// (naming the arguments and what happened: timeout, early exit with its status) if it does
// not come. The child's stderr is the test's stderr.
// The destructor stops it: SIGTERM, wait up to `stop_timeout`, then SIGKILL.
//
// control() / request() are blocking exchanges (support/http_exchange.hpp) on a fresh
// connection each; over TLS when the simulator was started with --tls-cert, which then needs
// Options::tls_ca_file. Not thread-safe; one test thread drives one SimProcess.
#include "support/http_exchange.hpp"

#include <boost/json/value.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kda::test {

class SimProcess {
 public:
  struct Options {
    std::chrono::milliseconds start_timeout{10'000};
    std::chrono::milliseconds stop_timeout{5'000};
    std::string tls_ca_file;  // trust for control()/request() when the sim serves HTTPS
  };

  explicit SimProcess(std::vector<std::string> args);
  SimProcess(std::vector<std::string> args, Options options);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  // The absolute path of the koodrive-sim binary the build made.
  static std::string binary();

  const std::string& host() const noexcept { return host_; }  // "127.0.0.1" (no brackets)
  std::uint16_t port() const noexcept { return port_; }
  bool tls() const noexcept { return tls_; }
  // "http://127.0.0.1:PORT" ("https://…" with --tls-cert; "[::1]" for IPv6).
  std::string base_url() const;
  // host:port as a client's Host header carries it (what an app signature covers).
  std::string host_header() const;
  pid_t pid() const noexcept { return pid_; }
  HttpPeer peer() const;

  // A /_sim/ control request; `json_body` empty sends no body.
  HttpReply control(std::string_view method, std::string_view target,
                    std::string_view json_body = {}) const;
  // GET /_sim/counters, parsed.
  boost::json::value counters() const;
  // Any request (KooDrive endpoints), with the given headers.
  HttpReply request(std::string_view method, std::string_view target,
                    const HttpHeaders& headers = {}, std::string_view body = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  // SIGTERM, wait, SIGKILL after stop_timeout. Returns the exit code, or 128 + signal when it
  // was killed by one. Idempotent (later calls return the first result).
  int stop();

 private:
  void read_listening_line(const std::string& command);

  Options options_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string host_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  int exit_code_ = -1;
};

}  // namespace kda::test
