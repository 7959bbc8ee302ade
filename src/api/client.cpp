// The KooDrive layer of the client: authenticated requests over the transport, decoding,
// retries with backoff, and the rate limit shared by all requests.
#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/api.hpp"

#include "api/decode.hpp"
#include "api/endpoint.hpp"
#include "api/http_client.hpp"
#include "api/rate_limiter.hpp"
#include "api/request_headers.hpp"
#include "api/retry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>
#include <set>

namespace kda::api {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view device_path = "/koodrive/ose/v1/backup/device";

// The status label of a request that got no HTTP answer: the kind of failure, never its text.
std::string_view failure_kind(const Error& error) {
  if (error.code == errc::timeout) return "timeout";
  if (error.code == errc::connection_failed) return "connect";
  if (error.code == errc::body_too_large) return "body_too_large";
  if (error.code == errc::malformed_response) return "malformed";
  if (error.code == errc::cancelled) return "cancelled";
  return "error";
}

RandomSource default_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

FetchStats& FetchStats::operator+=(const FetchStats& other) noexcept {
  requests += other.requests;
  retries += other.retries;
  failures += other.failures;
  return *this;
}

struct Client::Impl {
  asio::any_io_executor executor;
  ClientOptions options;
  const Clock& clock;
  RandomSource random;
  std::shared_ptr<HttpClient> http;
  std::optional<TokenBucket> bucket;
  std::set<asio::steady_timer*> sleepers;  // backoff and rate-limit waits, cancelled by stop()
  FetchStats totals;
  std::optional<std::chrono::seconds> clock_skew;
  std::string last_date;  // the Date header clock_skew was taken from, and when
  SystemTime last_date_at{};
  bool stopped = false;

  Impl(asio::any_io_executor e, ClientOptions o, const Clock& c, RandomSource r)
      : executor(std::move(e)), options(std::move(o)), clock(c), random(std::move(r)) {}

  // Sleeps `delay`; false when stop() interrupted it.
  asio::awaitable<bool> sleep(std::chrono::nanoseconds delay) {
    if (stopped) co_return false;
    asio::steady_timer timer(executor, delay);
    sleepers.insert(&timer);
    struct Unlink {
      Impl* impl;
      asio::steady_timer* timer;
      ~Unlink() { impl->sleepers.erase(timer); }
    } unlink{this, &timer};
    co_await timer.async_wait(use_tuple);
    co_return !stopped;
  }

  void count(FetchStats* stats, const FetchStats& delta) {
    totals += delta;
    if (stats) *stats += delta;
  }

  void note_date(const std::string& date_header) {
    // A poll gets thousands of answers a second, all with the same Date: within a second of
    // the last parse, the same header gives the same skew to the second.
    const SystemTime now = clock.now();
    if (date_header.empty() ||
        (date_header == last_date && now - last_date_at < std::chrono::seconds(1))) {
      return;
    }
    if (auto server = parse_http_date(date_header)) {
      clock_skew = std::chrono::duration_cast<std::chrono::seconds>(*server - now);
      last_date = date_header;
      last_date_at = now;
    }
  }

  // One API request with its retries; `decode` turns a 200 body into T.
  template <class T, class Decode>
  asio::awaitable<Result<T>> request(std::shared_ptr<Impl> self,
                                     std::shared_ptr<const Credentials> shared_credentials,
                                     ApiRequest api_request, std::string_view endpoint_name,
                                     Decode decode, FetchStats* stats) {
    (void)self;  // keeps this Impl alive while the request runs
    const Credentials& credentials = *shared_credentials;
    const Endpoint& endpoint = http->endpoint();
    if (!endpoint.path_prefix.empty()) api_request.path.insert(0, endpoint.path_prefix);
    const std::string target = request_target(api_request);
    const std::string context = api_request.method + " " + target;  // describe(), once
    if (auto checked = check_credentials(credentials, context); !checked) {
      count(stats, {0, 0, 1});
      co_return checked.error();
    }
    const SigningOptions signing{options.date_line_in_string_to_sign};
    // Called by the transport right before each write: X-Date (and the signature over it)
    // are taken at send time, so every retry is signed afresh.
    RequestBuilder build = [&]() -> Result<HttpRequest> {
      auto headers = auth_headers(credentials, api_request, endpoint.host_header, clock.now(), signing);
      if (!headers) return headers.error();
      return HttpRequest{api_request.method, target, std::move(*headers), {}, {}};
    };

    const int attempts = std::max(options.retry.attempts, 1);
    for (int attempt = 1;; ++attempt) {
      if (stopped) {
        count(stats, {0, 0, 1});
        co_return make_error(errc::cancelled, context, "client stopped");
      }
      if (bucket) {
        const auto wait = bucket->acquire(std::chrono::steady_clock::now());
        if (wait > std::chrono::nanoseconds::zero() && !co_await sleep(wait)) {
          count(stats, {0, 0, 1});
          co_return make_error(errc::cancelled, context, "client stopped");
        }
      }
      count(stats, {1, attempt > 1 ? 1u : 0u, 0});
      const auto sent_at = std::chrono::steady_clock::now();
      auto response = co_await http->send(build, context);
      if (options.observer) {
        const std::string status =
            response ? std::to_string(response->status) : std::string(failure_kind(response.error()));
        options.observer({endpoint_name, status, std::chrono::steady_clock::now() - sent_at});
      }
      Error error;
      if (!response) {
        error = std::move(response.error());
      } else {
        note_date(response->date);
        // What the server says reaches logs, the database and `status`: an echoed token must
        // not (see without_secrets).
        const std::optional<std::string> redacted = without_secrets(response->body, credentials);
        const std::string_view body = redacted ? std::string_view(*redacted) : response->body;
        if (response->status == 200) {
          auto decoded = decode(body, context);
          if (decoded) co_return std::move(*decoded);
          error = std::move(decoded.error());
          error.http_status = 200;
        } else {
          error = error_from_status(response->status, body, context);
          if (!response->retry_after.empty()) {
            error.retry_after = parse_retry_after(response->retry_after, clock.now());
          }
        }
      }
      if (stopped || !should_retry(options.retry, attempt, error) || attempt >= attempts) {
        count(stats, {0, 0, 1});
        co_return error;
      }
      const auto delay = backoff_delay(options.retry, attempt - 1, error.retry_after,
                                       random ? random() : 0.0);
      if (!delay) {
        error.detail += (error.detail.empty() ? "" : "; ") + std::string("Retry-After ") +
                        std::to_string(error.retry_after->count() / 1000) +
                        "s exceeds the retry ceiling";
        count(stats, {0, 0, 1});
        co_return error;
      }
      if (delay->count() > 0 && !co_await sleep(*delay)) {
        count(stats, {0, 0, 1});
        co_return make_error(errc::cancelled, context, "client stopped");
      }
    }
  }
};

Result<Client> Client::create(asio::any_io_executor executor, ClientOptions options,
                              const Clock& clock, RandomSource random) {
  auto endpoint = parse_base_url(options.base_url);
  if (!endpoint) return endpoint.error();
  if (options.retry.attempts < 1) {
    return make_error(errc::invalid_request, "client", "retry.attempts must be at least 1");
  }
  if (options.max_requests_per_second < 0) {
    return make_error(errc::invalid_request, "client", "max_requests_per_second must be >= 0");
  }
  TransportOptions transport;
  transport.ca_file = options.ca_file;
  transport.timeout = options.timeout;
  transport.max_connections = options.max_concurrency;
  transport.max_response_bytes = options.max_response_bytes;
  transport.idle_timeout = options.idle_timeout;
  auto http = make_http_client(executor, std::move(*endpoint), std::move(transport));
  if (!http) return http.error();
  if (!random) random = default_random();
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(options), clock, std::move(random));
  impl->http = std::move(*http);
  if (impl->options.max_requests_per_second > 0) {
    // A burst of one second's worth (at least one request).
    impl->bucket.emplace(impl->options.max_requests_per_second,
                         impl->options.max_requests_per_second, std::chrono::steady_clock::now());
  }
  return Client(std::move(impl));
}

asio::awaitable<Result<std::vector<Device>>> Client::list_devices(Credentials credentials,
                                                                  FetchStats* stats) {
  ApiRequest request{"GET", std::string(device_path), {}};
  auto decode = [](std::string_view body, std::string_view context) {
    return decode_device_list(body, context);
  };
  co_return co_await impl_->request<std::vector<Device>>(
      impl_, std::make_shared<const Credentials>(std::move(credentials)), std::move(request),
      "device_list", decode, stats);
}

asio::awaitable<Result<std::vector<Scope>>> Client::list_scopes(Credentials credentials,
                                                                std::string device_id,
                                                                int module_code,
                                                                FetchStats* stats) {
  co_return co_await list_scopes(std::make_shared<const Credentials>(std::move(credentials)),
                                 std::move(device_id), module_code, stats);
}

asio::awaitable<Result<std::vector<Scope>>> Client::list_scopes(
    std::shared_ptr<const Credentials> credentials, std::string device_id, int module_code,
    FetchStats* stats) {
  if (device_id.empty() || device_id.find('/') != std::string::npos) {
    impl_->count(stats, {0, 0, 1});
    co_return make_error(errc::invalid_request, "GET scope list", "bad device id");
  }
  constexpr std::string_view scope_suffix = "/scope";
  ApiRequest request{"GET", {}, {{"moduleCode", std::to_string(module_code)}}};
  request.path.reserve(device_path.size() + 1 + device_id.size() + scope_suffix.size());
  request.path.append(device_path).append("/").append(device_id).append(scope_suffix);
  auto decode = [module_code](std::string_view body, std::string_view context) {
    return decode_scope_list(body, module_code, context);
  };
  co_return co_await impl_->request<std::vector<Scope>>(impl_, std::move(credentials),
                                                        std::move(request), "scope_list",
                                                        decode, stats);
}

void Client::stop() {
  impl_->stopped = true;
  impl_->http->stop();
  for (auto* timer : impl_->sleepers) timer->cancel();
}

bool Client::stopped() const noexcept { return impl_->stopped; }
const ClientOptions& Client::options() const noexcept { return impl_->options; }
FetchStats Client::totals() const noexcept { return impl_->totals; }
std::uint64_t Client::connections_opened() const noexcept { return impl_->http->connections_opened(); }
std::optional<std::chrono::seconds> Client::last_clock_skew() const noexcept { return impl_->clock_skew; }

}  // namespace kda::api
