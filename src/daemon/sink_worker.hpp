#pragma once
// One sink's delivery loop in the daemon (DESIGN §5 rule 6, at least once).
//
// Each sink has its own worker coroutine, so a slow or failing sink never holds up polling or
// another sink: the worker drains the outbox (events with seq > its cursor), then sleeps until
// woken by a commit. A failed delivery is retried from the same cursor, so events stay in order
// and a redelivery carries the same event_id; how long it waits is plan_retry() (the rules are
// in sinks.hpp: Retry-After, the slow rate for a refused request, 410 disables).
// Health goes to the store (sink_cursors) for `status`: when the sink starts failing, at each
// retry, when it recovers or is disabled. The log says when it starts failing and when it
// recovers, not at every retry.
// Single-threaded: every member is used from the daemon's io_context only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/sinks.hpp"
#include "koodrive_audit/store.hpp"

namespace kda::daemon {

struct SinkBackoff {
  std::chrono::milliseconds initial{1'000};
  std::chrono::milliseconds max{5 * 60 * 1'000};
};

class SinkWorker : public std::enable_shared_from_this<SinkWorker> {
 public:
  // Told after each drain of the outbox: the sink, the events acknowledged, and whether the
  // drain stopped on a failed delivery (not on a stop). For metrics; must not throw.
  using DeliveryObserver =
      std::function<void(const std::string& sink, std::size_t delivered, bool failed)>;

  SinkWorker(boost::asio::any_io_executor executor, Store& store, const Clock& clock,
             std::unique_ptr<Sink> sink, std::set<std::string> types, SinkBackoff backoff,
             std::function<double()> unit_random);

  // Starts the loop; it drains whatever is pending at once.
  void start();
  // New events may be pending: drain soon (not before a running backoff ends).
  void wake();
  // Takes effect before the next drain (the old sink finishes its batch first): SIGHUP
  // reopens files this way, and changed settings apply without losing the cursor.
  void replace(std::unique_ptr<Sink> sink, std::set<std::string> types,
               std::optional<SinkBackoff> backoff = std::nullopt);
  // Ends the loop; a delivery in progress is cancelled (Sink::cancel) and not acknowledged.
  void stop();
  void set_observer(DeliveryObserver observer) { observer_ = std::move(observer); }

  const std::string& name() const noexcept { return name_; }
  bool running() const noexcept { return running_; }
  bool disabled() const noexcept { return disabled_; }
  // The event types the sink takes (empty = every type), for its backlog.
  const std::set<std::string>& types() const noexcept { return types_; }
  // Why the last delivery failed, while it keeps failing.
  const std::optional<Error>& last_error() const noexcept { return last_error_; }
  int consecutive_failures() const noexcept { return consecutive_failures_; }

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> handle_failure(Error error, std::size_t delivered);
  void record_health(const SinkHealth& health);
  boost::asio::awaitable<void> sleep_until(std::chrono::steady_clock::time_point until,
                                           bool wake_ends_it);

  Store& store_;
  const Clock& clock_;
  std::string name_;
  std::unique_ptr<Sink> sink_;
  std::set<std::string> types_;
  std::unique_ptr<Sink> replacement_;
  std::set<std::string> replacement_types_;
  std::optional<SinkBackoff> replacement_backoff_;
  SinkBackoff backoff_;
  std::function<double()> unit_random_;
  DeliveryObserver observer_;
  boost::asio::steady_timer timer_;
  bool woken_ = true;  // drain once at start
  bool sleeping_on_wake_ = false;
  bool stopping_ = false;
  bool running_ = false;
  bool disabled_ = false;
  std::optional<SystemTime> failing_since_;
  std::optional<Error> last_error_;
  int consecutive_failures_ = 0;
};

// Full jitter: random(0, min(max, initial·2^failures)), failures counted from 0.
std::chrono::milliseconds sink_retry_delay(const SinkBackoff& backoff, int failures,
                                           double unit_random);

// What to do after a failed delivery (pure). `failures` counts the earlier consecutive ones.
struct RetryPlan {
  bool disable = false;  // 410 Gone: stop delivering until a reload or restart
  std::chrono::milliseconds delay{0};
};
RetryPlan plan_retry(const Error& error, const SinkBackoff& backoff, int failures,
                     double unit_random);

}  // namespace kda::daemon
