// The Alertmanager sink's I/O: one transport per configured URL, the batch POSTed to all of
// them at once. The alerts themselves are built by alert_payload (pure).
#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/sinks.hpp"

#include "api/endpoint.hpp"
#include "api/http_client.hpp"
#include "sinks/alert_payload.hpp"
#include "sinks/refused_delivery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

namespace kda {

namespace {

namespace asio = boost::asio;

// Alertmanager takes any number of alerts per request; 64 keeps a request small (~100 KB) and a
// failed batch cheap to resend, while a burst of removals still goes out in few requests.
constexpr std::size_t alerts_per_request = 64;
constexpr std::string_view alerts_path = "/api/v2/alerts";

struct Target {
  std::string url;   // where the alerts go, for errors: "http://127.0.0.1:9093/api/v2/alerts"
  std::string path;  // the request target: path prefix + /api/v2/alerts
  std::shared_ptr<api::HttpClient> http;
};

// One Alertmanager's answer to the batch: accepted (2xx), or why not. Takes everything by value
// or shared ownership: it runs as its own coroutine inside a parallel group.
asio::awaitable<Result<void>> post_alerts(std::shared_ptr<api::HttpClient> http, std::string path,
                                          std::shared_ptr<const std::string> body,
                                          std::string context, const Clock& clock) {
  api::RequestBuilder build = [&path, &body]() -> Result<api::HttpRequest> {
    api::HttpRequest request;
    request.method = "POST";
    request.target = path;
    request.body = *body;
    request.content_type = "application/json";
    return request;
  };
  auto response = co_await http->send(std::move(build), context);
  if (!response) co_return std::move(response.error());
  if (delivery_accepted(response->status)) co_return Result<void>{};
  co_return refused_delivery(*response, std::move(context), clock.now());
}

class AlertmanagerSink final : public Sink {
 public:
  AlertmanagerSink(AlertmanagerSinkOptions options, std::vector<Target> targets, const Clock& clock)
      : options_(std::move(options)), targets_(std::move(targets)), clock_(clock) {}

  ~AlertmanagerSink() override {
    for (Target& target : targets_) target.http->stop();
  }

  const std::string& name() const noexcept override { return options_.name; }
  std::size_t max_batch() const noexcept override { return alerts_per_request; }

  void cancel() override {
    cancelled_ = true;
    for (Target& target : targets_) target.http->stop();
  }

  asio::awaitable<Result<void>> deliver(const std::vector<StoredEvent>& events) override {
    const std::string context = "alertmanager sink " + options_.name;
    if (cancelled_) co_return make_error(errc::cancelled, context, "sink cancelled");
    if (events.empty()) co_return Result<void>{};
    auto body = alerts_body(events, options_);
    if (!body) {
      Error error = std::move(body.error());
      error.context = context + ": " + error.context;
      co_return error;
    }
    const auto shared_body = std::make_shared<const std::string>(std::move(*body));

    // Every member of an HA cluster gets the batch, as Prometheus does: they gossip
    // notifications, not alerts. In parallel, so one unreachable member costs at most one
    // timeout, not one per member.
    const auto executor = co_await asio::this_coro::executor;
    using Post =
        decltype(asio::co_spawn(executor, post_alerts({}, {}, {}, {}, clock_), asio::deferred));
    std::vector<Post> posts;
    posts.reserve(targets_.size());
    for (const Target& target : targets_) {
      posts.push_back(asio::co_spawn(
          executor,
          post_alerts(target.http, target.path, shared_body, "POST " + target.url, clock_),
          asio::deferred));
    }
    auto [order, exceptions, results] =
        co_await asio::experimental::make_parallel_group(std::move(posts))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (const std::exception_ptr& exception : exceptions) {
      if (exception) std::rethrow_exception(exception);
    }

    if (cancelled_) co_return make_error(errc::cancelled, context, "sink cancelled");
    if (std::any_of(results.begin(), results.end(),
                    [](const Result<void>& r) { return r.has_value(); })) {
      co_return Result<void>{};
    }
    co_return none_accepted(context, results);
  }

 private:
  // The last member's error (its code and HTTP status drive the retry policy), waiting at
  // least as long as any member asked to; with several members, the detail names each URL.
  Error none_accepted(const std::string& context, const std::vector<Result<void>>& results) const {
    Error error = results.back().error();
    if (results.size() == 1) {
      error.context = context + ": " + error.context;
      return error;
    }
    std::string detail;
    for (const Result<void>& result : results) {
      const Error& each = result.error();
      if (each.retry_after && (!error.retry_after || *each.retry_after > *error.retry_after)) {
        error.retry_after = each.retry_after;
      }
      detail += (detail.empty() ? "" : "; ") + each.message();
    }
    error.context = context + ": none of " + std::to_string(results.size()) +
                    " Alertmanagers accepted the batch";
    error.detail = std::move(detail);
    return error;
  }

  AlertmanagerSinkOptions options_;
  std::vector<Target> targets_;
  const Clock& clock_;
  bool cancelled_ = false;
};

}  // namespace

Result<std::unique_ptr<Sink>> make_alertmanager_sink(boost::asio::any_io_executor executor,
                                                     AlertmanagerSinkOptions options,
                                                     const Clock& clock) {
  const std::string context = "alertmanager sink " + options.name;
  if (options.urls.empty()) return make_error(errc::invalid_request, context, "no url");
  if (options.alert_duration <= std::chrono::milliseconds::zero()) {
    return make_error(errc::invalid_request, context, "alert_duration must be positive");
  }
  std::vector<Target> targets;
  for (const std::string& url : options.urls) {
    auto endpoint = api::parse_base_url(url);
    if (!endpoint) {
      Error error = std::move(endpoint.error());
      error.context = context + ": " + error.context;
      return error;
    }
    Target target;
    target.path = endpoint->path_prefix + std::string(alerts_path);
    target.url = (endpoint->tls ? "https://" : "http://") + endpoint->host_header + target.path;
    api::TransportOptions transport;
    transport.timeout = options.timeout;
    // One batch at a time per sink; the second connection only covers a resend on a stale one.
    transport.max_connections = 2;
    transport.max_response_bytes = 1024 * 1024;
    auto http = api::make_http_client(executor, std::move(*endpoint), std::move(transport));
    if (!http) {
      Error error = std::move(http.error());
      error.context = context + ": " + target.url + ": " + error.context;
      return error;
    }
    target.http = std::move(*http);
    targets.push_back(std::move(target));
  }
  return std::unique_ptr<Sink>(
      std::make_unique<AlertmanagerSink>(std::move(options), std::move(targets), clock));
}

}  // namespace kda
