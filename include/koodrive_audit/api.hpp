#pragma once
// The KooDrive client: the two backup list requests over HTTPS (HTTP only to loopback), with
// authentication, deadlines, retries, a rate limit and bounded concurrency; and the fetch of one
// account's whole Observation.
//
// Executor: everything runs on the one executor given to Client::create (one io_context, one
// thread; nothing here is thread-safe). Operations are coroutines (boost::asio::awaitable).
// Ownership: Client is a handle; copies share one connection pool, counters and stop flag. The
// Clock passed to create() must outlive the client and every operation started on it.
// Errors: expected failures are values (kda::Result / FetchFailure); every error names its
// request ("GET /koodrive/ose/v1/backup/device/123/scope?moduleCode=101") and never carries a
// secret. Cancellation: stop() makes every pending and later operation finish promptly with
// errc::cancelled; the handle and the io_context can then be destroyed in any order.
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/error.hpp"
#include "koodrive_audit/model.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::api {

// Who we are to KooDrive. The CLI maps the config's `auth` and the account's user_id onto it.
struct Credentials {
  enum class Mode { app, token };
  Mode mode = Mode::app;
  std::string user_id;     // X-User-Id: the audited KooDrive user
  std::string app_id;      // app mode
  std::string app_secret;  // app mode; never logged
  std::string token;       // token mode; never logged
  std::string token_format = "Bearer {token}";  // token mode: Authorization, {token} replaced
};

// Transient failures (Error::transient()) are retried; permanent ones never are.
// Before retry n (0-based) the client sleeps random(0, min(max_backoff, initial_backoff·2^n))
// ("full jitter"), but never less than a Retry-After the server sent. A Retry-After longer than
// retry_after_ceiling is not waited for: the request fails (transient) and the next poll tries.
struct RetryPolicy {
  int attempts = 4;  // tries in all, the first included; 1 = no retry
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
};

inline constexpr std::chrono::milliseconds retry_after_ceiling{5 * 60 * 1000};

// One HTTP request as sent (a retry is a request of its own), for the daemon's metrics.
// Carries no device id and no error text: only bounded values.
struct RequestRecord {
  std::string_view endpoint;  // "device_list" | "scope_list"
  // The HTTP status ("200", "503") when an answer was read (a 200 whose body is a KooDrive
  // error is still "200"); else the error kind: "timeout", "connect", "body_too_large",
  // "malformed" (not HTTP), "cancelled" (stop()).
  std::string_view status;
  std::chrono::nanoseconds duration{0};  // write to answer (or failure), pool wait included
};
// Called on the client's executor after each request, before any retry sleep. Must not throw
// and must not block.
using RequestObserver = std::function<void(const RequestRecord&)>;

struct ClientOptions {
  // https://host[:port] — or http:// to 127.0.0.1, ::1 or localhost only (invalid_request
  // otherwise). A path, if any, is prefixed to the API paths.
  std::string base_url = "https://intl.myhuaweicloud-koodrive.com";
  std::string ca_file;  // PEM trust store; empty = the system's default paths
  std::chrono::milliseconds timeout{10'000};  // per request: pool wait, connect, TLS, write, read
  std::size_t max_concurrency = 8;            // connections (and requests in flight), >= 1
  double max_requests_per_second = 0;         // token bucket shared by all requests; 0 = off
  RetryPolicy retry;
  std::size_t max_response_bytes = 16 * 1024 * 1024;  // body cap → errc::body_too_large
  std::chrono::milliseconds idle_timeout{30'000};     // an older idle connection is not reused
  bool date_line_in_string_to_sign = false;           // see api/signer.hpp
  RequestObserver observer;                           // optional
};

// What a fetch cost. The daemon records these in the polls row.
struct FetchStats {
  std::uint64_t requests = 0;  // HTTP requests sent, retries included
  std::uint64_t retries = 0;   // of those, repeats of an earlier failed attempt
  std::uint64_t failures = 0;  // requests that failed for good (after their retries)
  FetchStats& operator+=(const FetchStats& other) noexcept;
  friend bool operator==(const FetchStats&, const FetchStats&) = default;
};

// Uniform in [0, 1). Injected so that tests can fix the jitter.
using RandomSource = std::function<double()>;

class Client {
 public:
  // Validates the options (URL, loopback rule, CA file) without any network I/O.
  // `random` defaults to a seeded std::mt19937_64.
  static Result<Client> create(boost::asio::any_io_executor executor, ClientOptions options,
                               const Clock& clock, RandomSource random = {});

  // GET /koodrive/ose/v1/backup/device. `stats`, when given, must outlive the operation.
  boost::asio::awaitable<Result<std::vector<Device>>> list_devices(Credentials credentials,
                                                                   FetchStats* stats = nullptr);
  // GET /koodrive/ose/v1/backup/device/{device_id}/scope?moduleCode={module_code}.
  boost::asio::awaitable<Result<std::vector<Scope>>> list_scopes(Credentials credentials,
                                                                 std::string device_id,
                                                                 int module_code,
                                                                 FetchStats* stats = nullptr);
  // The same with shared credentials, for a caller that sends thousands of requests with one
  // set: a copy of Credentials per request is three allocations.
  boost::asio::awaitable<Result<std::vector<Scope>>> list_scopes(
      std::shared_ptr<const Credentials> credentials, std::string device_id, int module_code,
      FetchStats* stats = nullptr);

  // Cancels everything in flight (pool waits, connections, backoff and rate-limit sleeps);
  // every later request fails with errc::cancelled. Idempotent.
  void stop();
  bool stopped() const noexcept;

  const ClientOptions& options() const noexcept;
  // Totals over the client's life (all copies).
  FetchStats totals() const noexcept;
  // TCP/TLS connections opened so far (keep-alive reuse shows as requests ≫ connections).
  std::uint64_t connections_opened() const noexcept;
  // Server `Date` minus our clock at the last answer that carried one; for the skew warning.
  std::optional<std::chrono::seconds> last_clock_skew() const noexcept;

  struct Impl;

 private:
  explicit Client(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Lists the devices, then the scopes of every device × module with at most
// options().max_concurrency requests in flight, one ScopeFetch per pair in device-list order ×
// `modules` order. A failed device list gives an Observation holding that FetchFailure and no
// scope fetches; a failed pair never stops the others. `stats` (optional) is incremented and
// must outlive the operation.
boost::asio::awaitable<Observation> fetch_observation(Client client, Credentials credentials,
                                                      std::vector<int> modules,
                                                      FetchStats* stats = nullptr);

// Receives each pair's answer (its index in `pairs`, and the fetch) as soon as it is in, in
// the order the answers complete, on the coroutine's executor.
using ScopeAnswerHandler = std::function<void(std::size_t index, ScopeFetch&& fetch)>;

// The scopes of every pair, with at most options().max_concurrency requests in flight; each
// answer goes to `on_answer` and is not kept, so a caller that digests them as they come never
// holds them all. A failed pair never stops the others. An exception thrown by `on_answer`
// stops new requests and is rethrown once those in flight have ended. `stats` (optional) is
// incremented and must outlive the operation.
boost::asio::awaitable<void> fetch_scopes(Client client, Credentials credentials,
                                          std::vector<PairKey> pairs,
                                          ScopeAnswerHandler on_answer,
                                          FetchStats* stats = nullptr);

// The FetchFailure recorded for an Error: reason = Error::message().
FetchFailure to_fetch_failure(const Error& error);

// JSON for `koodrive-audit fetch`:
// {"account_id", "devices":[{device_id, machine_code, device_name, device_os, create_time}],
//  "scopes":{"<device_id>":{"100":[{scope_id, module_code, local_path, target_folder_path,
//  create_time}]}}, "failures":[{device_id, module_code, reason, http_status, api_code,
//  transient}], "device_list_error": null | {reason, http_status, api_code, transient}}
// Only successfully fetched pairs appear under "scopes"; IDs stay strings.
std::string observation_to_json(const Observation& observation);

// Exit code of `koodrive-audit fetch`: 0 all fetched, 2 some pairs failed, 1 device list failed.
int fetch_exit_code(const Observation& observation) noexcept;

}  // namespace kda::api
