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

void SinkWorker::replace(std::unique_ptr<Sink> sink, std::set<std::string> types) {
  replacement_ = std::move(sink);
  replacement_types_ = std::move(types);
  wake();
}

void SinkWorker::stop() {
  stopping_ = true;
  timer_.cancel();
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
  while (!stopping_) {
    if (replacement_) {
      sink_ = std::move(replacement_);
      types_ = std::move(replacement_types_);
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
    if (report.error) {
      const auto delay = sink_retry_delay(backoff_, consecutive_failures_, unit_random_());
      ++consecutive_failures_;
      spdlog::warn("sink.retry sink={} failures={} delivered={} retry_in_ms={} error=\"{}\"", name_,
                   consecutive_failures_, report.delivered, delay.count(), report.error->message());
      last_error_ = std::move(report.error);
      co_await sleep_until(std::chrono::steady_clock::now() + delay, false);
      continue;
    }
    if (consecutive_failures_ > 0) {
      spdlog::info("sink.recovered sink={} after_failures={}", name_, consecutive_failures_);
    }
    consecutive_failures_ = 0;
    last_error_.reset();
    co_await sleep_until(std::chrono::steady_clock::time_point::max(), true);
  }
  running_ = false;
}

}  // namespace kda::daemon
