#include "daemon/sink_worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>

namespace kda::daemon {

namespace asio = boost::asio;

std::chrono::milliseconds sink_retry_delay(const SinkBackoff& backoff, int failures,
                                           double unit_random) {
  const double ceiling = std::min(
      static_cast<double>(backoff.max.count()),
      static_cast<double>(backoff.initial.count()) * std::ldexp(1.0, std::min(failures, 40)));
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::clamp(unit_random, 0.0, 1.0) * ceiling));
}

RetryPlan plan_retry(const Error& error, const SinkBackoff& backoff, int failures,
                     double unit_random) {
  RetryPlan plan;
  const int status = error.http_status;
  if (status == 410) {
    plan.disable = true;
    return plan;
  }
  if (status >= 400 && status < 500 && status != 408 && status != 429) {
    // Refused as it is: sending it again soon will not help, but a fixed receiver should
    // still get it, so keep trying at the slowest rate.
    plan.delay = backoff.max;
    return plan;
  }
  plan.delay = sink_retry_delay(backoff, failures, unit_random);
  if (error.retry_after) plan.delay = std::max(plan.delay, *error.retry_after);
  plan.delay = std::min(plan.delay, backoff.max);
  return plan;
}

SinkWorker::SinkWorker(asio::any_io_executor executor, Store& store, const Clock& clock,
                       std::unique_ptr<Sink> sink, std::set<std::string> types, SinkBackoff backoff,
                       std::function<double()> unit_random)
    : store_(store),
      clock_(clock),
      name_(sink->name()),
      sink_(std::move(sink)),
      types_(std::move(types)),
      backoff_(backoff),
      unit_random_(std::move(unit_random)),
      timer_(std::move(executor)) {}

void SinkWorker::start() {
  running_ = true;
  asio::co_spawn(
      timer_.get_executor(), [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void SinkWorker::wake() {
  woken_ = true;
  if (sleeping_on_wake_) timer_.cancel();
}

void SinkWorker::replace(std::unique_ptr<Sink> sink, std::set<std::string> types,
                         std::optional<SinkBackoff> backoff) {
  replacement_ = std::move(sink);
  replacement_types_ = std::move(types);
  replacement_backoff_ = backoff;
  wake();
}

void SinkWorker::stop() {
  stopping_ = true;
  timer_.cancel();
  if (sink_) sink_->cancel();
}

asio::awaitable<void> SinkWorker::sleep_until(std::chrono::steady_clock::time_point until,
                                              bool wake_ends_it) {
  sleeping_on_wake_ = wake_ends_it;
  while (!stopping_ && !(wake_ends_it && woken_) && std::chrono::steady_clock::now() < until) {
    timer_.expires_at(until);
    boost::system::error_code ignored;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  sleeping_on_wake_ = false;
}

asio::awaitable<void> SinkWorker::run() {
  // A sink disabled by an earlier run (410) is tried again: the operator reloaded or restarted.
  try {
    if (store_.sink_health(name_) != SinkHealth{}) record_health({});
  } catch (const std::exception& error) {
    spdlog::warn("sink.health_not_read sink={} error=\"{}\"", name_, error.what());
  }
  while (!stopping_) {
    if (replacement_) {
      sink_ = std::move(replacement_);
      types_ = std::move(replacement_types_);
      if (replacement_backoff_) backoff_ = *replacement_backoff_;
      replacement_backoff_.reset();
    }
    woken_ = false;
    DrainReport report;
    try {
      report = co_await drain_outbox(store_, *sink_, types_, clock_);
    } catch (const std::exception& error) {
      report.error = make_error(errc::invalid_request, "sink " + name_,
                                std::string("outbox: ") + error.what());
    }
    if (report.delivered > 0) {
      spdlog::debug("sink.delivered sink={} events={}", name_, report.delivered);
    }
    if (observer_) observer_(name_, report.delivered, report.error && !stopping_);
    if (stopping_) break;
    if (report.error) {
      co_await handle_failure(std::move(*report.error), report.delivered);
      if (disabled_) break;
      continue;
    }
    if (consecutive_failures_ > 0) {
      spdlog::info("sink.recovered sink={} after_failures={} failing_since={}", name_,
                   consecutive_failures_, failing_since_ ? format_iso8601(*failing_since_) : "");
      record_health({});
    }
    consecutive_failures_ = 0;
    failing_since_.reset();
    last_error_.reset();
    co_await sleep_until(std::chrono::steady_clock::time_point::max(), true);
  }
  running_ = false;
}

asio::awaitable<void> SinkWorker::handle_failure(Error error, std::size_t delivered) {
  const RetryPlan plan = plan_retry(error, backoff_, consecutive_failures_, unit_random_());
  const SystemTime now = clock_.now();
  if (consecutive_failures_ == 0) failing_since_ = now;
  ++consecutive_failures_;
  SinkHealth health;
  health.failures = consecutive_failures_;
  health.failing_since = failing_since_;
  health.last_error = error.message();
  if (plan.disable) {
    disabled_ = true;
    health.disabled_at = now;
    spdlog::error(
        "sink.disabled sink={} reason=\"the receiver answered 410 Gone; reload or "
        "restart to try again\" error=\"{}\"",
        name_, health.last_error);
  } else {
    health.next_attempt_at = now + plan.delay;
    if (consecutive_failures_ == 1) {
      spdlog::warn("sink.failing sink={} delivered={} retry_in_ms={} error=\"{}\"", name_,
                   delivered, plan.delay.count(), health.last_error);
    } else {
      spdlog::debug("sink.retry sink={} failures={} retry_in_ms={} error=\"{}\"", name_,
                    consecutive_failures_, plan.delay.count(), health.last_error);
    }
  }
  record_health(health);
  last_error_ = std::move(error);
  if (!plan.disable) {
    co_await sleep_until(std::chrono::steady_clock::now() + plan.delay, false);
  }
}

void SinkWorker::record_health(const SinkHealth& health) {
  try {
    store_.set_sink_health(name_, health, clock_.now());
  } catch (const std::exception& error) {
    // Health is for `status`; failing to record it must not stop deliveries.
    spdlog::warn("sink.health_not_recorded sink={} error=\"{}\"", name_, error.what());
  }
}

}  // namespace kda::daemon
