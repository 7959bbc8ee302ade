#pragma once
// One HTTP request in, one Reply out: the simulator without its sockets. Routes a request to the
// control API (/_sim/…) or to a KooDrive endpoint, where it checks authentication, validates
// parameters, applies the fault rules and builds the answer. The server only carries out what
// the Reply says (wait `delay`, then answer, truncate, drop or hang).
//
// Thread-safety: every member function may be called from any thread; each takes the
// simulator's one mutex for the few microseconds it touches state, faults or counters, and
// nothing waits or does I/O while holding it.
#include "koodrive_audit/clock.hpp"
#include "sim/auth_check.hpp"
#include "sim/counters.hpp"
#include "sim/faults.hpp"
#include "sim/state.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kda::sim {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

enum class Delivery {
  normal,     // write the response
  truncated,  // write the header (full Content-Length) and half the body, then close
  drop,       // close without answering
  hang,       // never answer; wait for the client to give up
};

class Simulator;

// Holds one KooDrive request "in flight" in the counters until it is destroyed.
class InFlight {
 public:
  InFlight() = default;
  explicit InFlight(Simulator* simulator) noexcept : simulator_(simulator) {}
  InFlight(InFlight&& other) noexcept : simulator_(std::exchange(other.simulator_, nullptr)) {}
  InFlight& operator=(InFlight&& other) noexcept;
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  ~InFlight();

 private:
  Simulator* simulator_ = nullptr;
};

struct Reply {
  HttpResponse response;
  Delivery delivery = Delivery::normal;
  std::chrono::milliseconds delay{0};
  bool control = false;                // a /_sim/ request
  Endpoint endpoint = Endpoint::other;  // KooDrive requests
  std::string outcome;                 // the counters' outcome: "200", "drop", …
  InFlight in_flight;                  // empty for control requests
};

struct SimulatorConfig {
  Credentials credentials;
  std::chrono::milliseconds latency{0};  // added to every KooDrive request
  // The simulator's clock minus the host's: a server whose clock is not the daemon's (it
  // checks X-Date and stamps Date with its own).
  std::chrono::milliseconds clock_offset{0};
  std::uint64_t seed = 1;                // fault-rule draws
};

class Simulator {
 public:
  Simulator(SimState state, SimulatorConfig config);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // `now` is the simulator's clock: it checks X-Date and stamps what the control API adds.
  Reply handle(const HttpRequest& request, SystemTime now);

  // Snapshots for tests and for the log at exit.
  boost::json::object counters_json() const;
  std::size_t fault_rule_count() const;

 private:
  friend class InFlight;
  void finished() noexcept;
  Reply handle_api(const HttpRequest& request, std::string_view path,
                   std::vector<std::pair<std::string, std::string>> query, SystemTime now);
  const std::string& device_list(const SimUser& user);

  mutable std::mutex mutex_;
  SimState state_;
  SimulatorConfig config_;
  FaultRules faults_;
  Counters counters_;
  struct CachedList {
    std::uint64_t version = 0;
    std::string body;
  };
  std::unordered_map<std::string, CachedList> device_lists_;  // by user ID
};

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate), for the Date header.
std::string http_date(SystemTime t);

}  // namespace kda::sim
