#pragma once
// A real Prometheus Alertmanager (Debian's prometheus-alertmanager, installed by scripts/setup)
// as a child process of the test: 127.0.0.1 only, clustering off, a minimal config with a null
// receiver and its storage in the test's own directory. Never the system service.
//
// The port is chosen when the object is made (a free ephemeral port: bound, read, closed), so a
// test can configure a sink with url() before Alertmanager runs; start() and stop() may then be
// called in any order, any number of times, on that port. The destructor stops it: SIGTERM,
// a wait, then SIGKILL, so a failed assertion never leaves it running.
//
// Errors throw std::runtime_error with what is known: a missing binary (naming scripts/setup),
// an early exit or a readiness deadline (with the tail of Alertmanager's log).
// Not thread-safe; one test thread drives it.
#include <boost/json/array.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace kda::test {

class AlertmanagerProcess {
 public:
  // $KDA_ALERTMANAGER_BINARY, else prometheus-alertmanager on $PATH; throws when neither exists.
  static std::string binary();
  // A free TCP port on 127.0.0.1 at the time of the call.
  static std::uint16_t free_port();

  // Writes its config under `dir` (created if needed); does not start it.
  explicit AlertmanagerProcess(std::filesystem::path dir);
  ~AlertmanagerProcess();
  AlertmanagerProcess(const AlertmanagerProcess&) = delete;
  AlertmanagerProcess& operator=(const AlertmanagerProcess&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // "http://127.0.0.1:PORT": the base URL a sink is given.
  std::string url() const;

  // Starts it and waits until GET /-/ready answers 200. When the port was taken meanwhile and
  // `may_move` is true, it picks another port and tries again (url() changes then).
  void start(std::chrono::milliseconds ready_deadline = std::chrono::seconds(30),
             bool may_move = true);
  // SIGTERM, wait up to 10 s, SIGKILL. No-op when not running.
  void stop();
  bool running();

  // GET /api/v2/alerts (the active alerts), parsed.
  boost::json::array alerts() const;
  // Everything Alertmanager logged so far (all its runs).
  std::string log() const;

 private:
  void spawn();
  std::optional<int> reap();  // the exit status once it has exited, without waiting

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace kda::test
