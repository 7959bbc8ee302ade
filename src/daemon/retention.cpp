#include "api/coroutine_warnings.hpp"

#include "daemon/retention.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace kda::daemon {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

RetentionPolicy retention_policy(const Config& config) {
  RetentionPolicy policy;
  policy.retention = config.database.retention;
  for (const SinkConfig& sink : config.events.sinks) policy.sinks.push_back(sink.name);
  return policy;
}

std::optional<PruneRequest> prune_request(const RetentionPolicy& policy, SystemTime now) {
  if (policy.retention <= Duration{0}) return std::nullopt;
  return PruneRequest{now - policy.retention, now, policy.sinks, false};
}

std::string describe_prune(const PruneRequest& request, const PruneReport& report) {
  std::string text = "cutoff=" + format_iso8601(request.cutoff) +
                     " events=" + std::to_string(report.events) +
                     " polls=" + std::to_string(report.polls) +
                     " baselines=" + std::to_string(report.baselines) +
                     " devices=" + std::to_string(report.devices) +
                     " scopes=" + std::to_string(report.scopes) +
                     " through_seq=" + std::to_string(report.through_seq);
  if (!report.held_by_sink.empty()) text += " held_by_sink=" + report.held_by_sink;
  return text;
}

Retention::Retention(asio::any_io_executor executor, Store& store, const Clock& clock,
                     std::function<RetentionPolicy()> policy)
    : executor_(executor),
      store_(store),
      clock_(clock),
      policy_(std::move(policy)),
      timer_(executor) {}

void Retention::stop() {
  stopping_ = true;
  timer_.cancel();
}

std::int64_t Retention::vacuum_step_pages(std::int64_t page_size) {
  return std::max<std::int64_t>(1, vacuum_step_bytes / std::max<std::int64_t>(1, page_size));
}

asio::awaitable<std::optional<PruneReport>> Retention::prune_once() {
  const std::optional<PruneRequest> request = prune_request(policy_(), clock_.now());
  if (!request) {
    if (!disabled_logged_) spdlog::info("retention.disabled reason=\"database.retention is 0\"");
    disabled_logged_ = true;
    co_return std::nullopt;
  }
  disabled_logged_ = false;
  const auto started = steady_clock::now();
  std::optional<PruneReport> report;
  std::int64_t freed = 0;
  try {
    report = store_.prune(*request);
    const std::int64_t step_pages = vacuum_step_pages(store_.page_size());
    // Each step is its own short transaction; the loop gets the event loop back in between.
    while (!stopping_) {
      const std::int64_t step = store_.reclaim_space(step_pages);
      if (step == 0) break;
      freed += step;
      co_await asio::post(executor_, asio::use_awaitable);
    }
  } catch (const std::exception& error) {
    spdlog::error("retention.failed cutoff={} error=\"{}\" retry=\"at the next run, in 24h\"",
                  format_iso8601(request->cutoff), error.what());
    co_return std::nullopt;
  }
  const auto ms = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  spdlog::info("retention.pruned {} freed_pages={} ms={}", describe_prune(*request, *report),
               freed, ms.count());
  co_return report;
}

asio::awaitable<void> Retention::run() {
  auto next = steady_clock::now();
  while (!stopping_) {
    co_await prune_once();
    if (stopping_) break;
    next += period;
    timer_.expires_at(next);
    boost::system::error_code ignored;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace kda::daemon
