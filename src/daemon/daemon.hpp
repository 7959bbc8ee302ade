#pragma once
// The service (`koodrive-audit daemon`, DESIGN §1 and §7): polls every account on the schedule,
// feeds one delivery worker per sink, and speaks the systemd protocol.
//
// Promises:
// - Polls never overlap. A poll that overruns its slot delays the next one, which starts at
//   once and is logged as `poll.late`. SIGUSR1 polls now (or is logged and ignored while a poll
//   runs).
// - SIGHUP reloads the config file and its secrets: a config that fails to load or validate is
//   rejected with its diagnostics and the running one stays; a good one applies to the next
//   poll, and every sink is rebuilt (files reopened) without losing its cursor. database.path
//   cannot change without a restart.
// - SIGTERM/SIGINT stop: the API client is stopped, so an in-flight poll ends at once and
//   commits nothing; sink workers finish the delivery in progress; then run() has nothing left
//   to do and io_context::run returns.
// - Retention (daemon/retention.hpp): pruned at start and then daily, with the running
//   configuration's database.retention and sinks.
// - systemd: READY=1 once the scheduler is armed (the caller migrated the database first);
//   STATUS= after every poll; WATCHDOG=1 from the event loop at half of WATCHDOG_USEC, so a
//   stuck loop gets the service restarted; RELOADING=1 … READY=1 around a reload; STOPPING=1.
// - metrics.enabled: GET /metrics and /healthz on metrics.listen (README "Metrics"), logged
//   as `metrics.listening address=…` with the bound port; a bind failure fails start(). A
//   reload that changes metrics.* moves the listener: the new address is bound first, and if
//   that fails the old listener stays (logged as reload.metrics_kept).
// Single-threaded: everything runs on the one io_context given to the constructor.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "daemon/clock_skew.hpp"
#include "daemon/daemon_metrics.hpp"
#include "daemon/metrics_server.hpp"
#include "daemon/poll_cycle.hpp"
#include "daemon/retention.hpp"
#include "daemon/schedule.hpp"
#include "daemon/sink_worker.hpp"
#include "daemon/systemd_notify.hpp"
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/config.hpp"
#include "koodrive_audit/store.hpp"

namespace kda::daemon {

class Daemon {
 public:
  // `config` as loaded from config.source (which SIGHUP reads again); `store` open and
  // migrated. All four must outlive the Daemon.
  Daemon(boost::asio::io_context& io, Config config, Store& store, ServiceNotifier& notifier,
         const Clock& clock);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Creates the API client (an unusable api section is an error: the message), starts the
  // sink workers, the signal handler, the watchdog and the scheduler, and sends READY=1.
  Result<void> start();

  // What the signals do; public so that tests and embedders can drive the daemon directly.
  void request_stop(std::string_view reason);
  void request_poll();
  void reload();

  bool stop_requested() const noexcept { return stopping_; }
  std::chrono::steady_clock::time_point stop_requested_at() const noexcept { return stop_at_; }
  // Polls completed (not abandoned) since start.
  std::uint64_t polls_completed() const noexcept { return polls_completed_; }

 private:
  boost::asio::awaitable<void> schedule_loop();
  boost::asio::awaitable<void> signal_loop();
  boost::asio::awaitable<void> watchdog_loop(std::chrono::microseconds period);
  boost::asio::awaitable<void> poll_once(std::string_view trigger);
  std::vector<AccountToPoll> accounts_to_poll();
  std::size_t shard_account_count() const;
  std::string shard_text() const;
  void apply_sinks();
  // The endpoint (daemon_endpoint.cpp).
  api::ClientOptions observed_client_options(const Config& config);
  Result<std::shared_ptr<MetricsServer>> listen_metrics(const MetricsConfig& metrics);
  void apply_metrics(const MetricsConfig& running);
  void scope_metrics();
  void record_polls(const std::vector<PollReport>& reports);
  HttpAnswer answer_scrape(std::string_view path);
  void notify_status(const std::string& status);
  double unit_random();

  boost::asio::io_context& io_;
  Config config_;
  Store& store_;
  ServiceNotifier& notifier_;
  const Clock& clock_;
  std::optional<api::Client> client_;
  std::optional<api::Client> polling_client_;  // the client of the poll in flight
  std::map<std::string, std::shared_ptr<SinkWorker>> workers_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer schedule_timer_;
  boost::asio::steady_timer watchdog_timer_;
  std::mt19937_64 random_;
  SteadyTime last_nominal_;
  bool poll_in_flight_ = false;
  bool poll_now_ = false;
  bool replan_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_at_{};
  std::uint64_t polls_completed_ = 0;
  ClockSkewWatch clock_skew_;
  DaemonMetrics metrics_;
  std::shared_ptr<MetricsServer> metrics_server_;
  Retention retention_;  // last: its policy reads config_
};

}  // namespace kda::daemon
