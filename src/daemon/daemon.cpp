#include "daemon/daemon.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>

#include "daemon/logging.hpp"
#include "daemon/wiring.hpp"

namespace kda::daemon {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

milliseconds until(SteadyTime at) {
  return std::chrono::duration_cast<milliseconds>(at - steady_clock::now());
}

std::string_view signal_name(int number) {
  switch (number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "signal";
  }
}

}  // namespace

Daemon::Daemon(asio::io_context& io, Config config, Store& store, ServiceNotifier& notifier,
               const Clock& clock)
    : io_(io),
      config_(std::move(config)),
      store_(store),
      notifier_(notifier),
      clock_(clock),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      schedule_timer_(io),
      watchdog_timer_(io),
      random_(std::random_device{}()),
      last_nominal_(steady_clock::now()),
      metrics_(steady_clock::now(), clock.now(), KDA_VERSION),
      retention_(io.get_executor(), store, clock, [this] { return retention_policy(config_); }) {}

Daemon::~Daemon() {
  for (auto& [name, worker] : workers_) {
    worker->set_observer({});  // its loop may outlive this object by one turn
    worker->stop();
  }
  if (metrics_server_) metrics_server_->stop();
}

double Daemon::unit_random() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }

Result<void> Daemon::start() {
  Result<api::Client> client =
      api::Client::create(io_.get_executor(), observed_client_options(config_), clock_);
  if (!client) return client.error();
  if (config_.metrics.enabled) {
    auto server = listen_metrics(config_.metrics);
    if (!server) return server.error();
    metrics_server_ = *server;
  }
  client_ = *client;
  signals_.add(SIGUSR1);
  apply_sinks();
  scope_metrics();

  asio::co_spawn(io_, signal_loop(), asio::detached);
  if (const auto period = notifier_.watchdog_period()) {
    spdlog::info("daemon.watchdog period_ms={}",
                 std::chrono::duration_cast<milliseconds>(*period).count());
    asio::co_spawn(io_, watchdog_loop(*period), asio::detached);
  }
  asio::co_spawn(io_, schedule_loop(), asio::detached);
  asio::co_spawn(io_, retention_.run(), asio::detached);

  const std::string first =
      config_.poll.run_on_start
          ? std::string("first poll now")
          : "first poll in about " + std::to_string(config_.poll.interval.count() / 1000) + "s";
  spdlog::info("daemon.ready accounts={} sinks={} interval_ms={} {}{}", shard_account_count(),
               workers_.size(), config_.poll.interval.count(),
               config_.poll.run_on_start ? "run_on_start=true" : "run_on_start=false",
               shard_text());
  notifier_.notify("READY=1\nSTATUS=ready; " + first);
  return {};
}

void Daemon::apply_sinks() {
  SinkSet built = make_sinks(config_, io_.get_executor(), clock_);
  for (const std::string& skipped : built.skipped) {
    spdlog::error("sink.unusable reason=\"{}\"", skipped);
  }
  std::map<std::string, std::shared_ptr<SinkWorker>> kept;
  for (ConfiguredSink& configured : built.sinks) {
    const std::string name = configured.sink->name();
    // A running worker keeps its loop (and its place in the outbox); a disabled one (410)
    // has ended and is started afresh.
    if (auto existing = workers_.find(name);
        existing != workers_.end() && existing->second->running()) {
      existing->second->replace(std::move(configured.sink), std::move(configured.types),
                                configured.backoff);
      kept.insert(workers_.extract(existing));
      continue;
    }
    auto worker = std::make_shared<SinkWorker>(
        io_.get_executor(), store_, clock_, std::move(configured.sink), std::move(configured.types),
        configured.backoff, [this] { return unit_random(); });
    worker->set_observer([this](const std::string& sink, std::size_t delivered, bool failed) {
      metrics_.on_delivery(sink, delivered, failed);
    });
    worker->start();
    kept.emplace(name, std::move(worker));
  }
  for (auto& [name, worker] : workers_) {
    if (worker->running()) {
      spdlog::info("sink.removed sink={} reason=\"no longer in the config; its cursor is kept\"",
                   name);
    }
    worker->stop();
  }
  workers_ = std::move(kept);
  std::vector<std::string> names;
  for (const auto& [name, worker] : workers_) names.push_back(name);
  metrics_.set_sinks(names);
}

void Daemon::notify_status(const std::string& status) { notifier_.notify("STATUS=" + status); }

asio::awaitable<void> Daemon::signal_loop() {
  while (!stopping_) {
    boost::system::error_code error;
    const int number =
        co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, error));
    if (error) break;
    switch (number) {
      case SIGTERM:
      case SIGINT:
        request_stop(signal_name(number));
        break;
      case SIGHUP:
        reload();
        break;
      case SIGUSR1:
        request_poll();
        break;
      default:
        break;
    }
  }
}

asio::awaitable<void> Daemon::watchdog_loop(std::chrono::microseconds period) {
  while (!stopping_) {
    notifier_.notify("WATCHDOG=1");
    watchdog_timer_.expires_after(period);
    boost::system::error_code ignored;
    co_await watchdog_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void Daemon::request_stop(std::string_view reason) {
  if (stopping_) return;
  stopping_ = true;
  stop_at_ = steady_clock::now();
  spdlog::info("daemon.stopping reason={} poll_in_flight={}", reason, poll_in_flight_);
  notifier_.notify("STOPPING=1\nSTATUS=stopping (" + std::string(reason) + ")");
  // Stopping the clients ends an in-flight fetch at once; poll_account then commits nothing.
  if (client_) client_->stop();
  if (polling_client_) polling_client_->stop();
  schedule_timer_.cancel();
  watchdog_timer_.cancel();
  retention_.stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  for (auto& [name, worker] : workers_) worker->stop();
  if (metrics_server_) metrics_server_->stop();
}

void Daemon::request_poll() {
  if (stopping_) return;
  if (poll_in_flight_) {
    spdlog::info("poll.requested ignored=true reason=\"a poll is already running\"");
    return;
  }
  spdlog::info("poll.requested trigger=SIGUSR1");
  poll_now_ = true;
  schedule_timer_.cancel();
}

void Daemon::reload() {
  if (stopping_) return;
  notifier_.notify(reloading_state());
  spdlog::info("reload.started config={}", config_.source.string());
  std::optional<Config> fresh;
  try {
    fresh = load_config(config_.source);
  } catch (const ConfigError& error) {
    for (const ConfigDiagnostic& diagnostic : error.diagnostics()) {
      spdlog::error("reload.rejected error=\"{}\"", diagnostic.to_string());
    }
    const std::string first =
        error.diagnostics().empty() ? error.what() : error.diagnostics().front().to_string();
    spdlog::error("reload.rejected problems={} keeping=\"the running configuration\"",
                  error.diagnostics().size());
    notifier_.notify("READY=1\nSTATUS=reload rejected, running the previous config: " + first);
    return;
  }
  Result<api::Client> client =
      api::Client::create(io_.get_executor(), observed_client_options(*fresh), clock_);
  if (!client) {
    spdlog::error("reload.rejected error=\"api: {}\" keeping=\"the running configuration\"",
                  client.error().message());
    notifier_.notify("READY=1\nSTATUS=reload rejected, running the previous config: " +
                     client.error().message());
    return;
  }
  for (const std::string& warning : fresh->warnings) spdlog::warn("config.warning {}", warning);
  if (fresh->database.path != config_.database.path) {
    spdlog::warn("reload.ignored key=database.path running={} reason=\"needs a restart\"",
                 config_.database.path.string());
    fresh->database.path = config_.database.path;
  }
  const bool schedule_changed = fresh->poll != config_.poll;
  const MetricsConfig running_metrics = config_.metrics;
  config_ = std::move(*fresh);
  // The poll in flight, if any, finishes with the client it started with (polling_client_).
  client_ = *client;
  set_log_level(config_.log.level);
  apply_sinks();
  apply_metrics(running_metrics);
  if (schedule_changed) {
    replan_ = true;
    schedule_timer_.cancel();
  }
  spdlog::info("reload.applied accounts={} sinks={} interval_ms={}{}", shard_account_count(),
               workers_.size(), config_.poll.interval.count(), shard_text());
  notifier_.notify("READY=1\nSTATUS=configuration reloaded");
}

std::size_t Daemon::shard_account_count() const {
  return static_cast<std::size_t>(
      std::count_if(config_.accounts.begin(), config_.accounts.end(),
                    [&](const AccountConfig& a) { return in_shard(a.user_id, config_.shard); }));
}

// " shard=1/3 of_accounts=40" when the accounts are split across instances, else "".
std::string Daemon::shard_text() const {
  if (config_.shard.count <= 1) return {};
  return " shard=" + std::to_string(config_.shard.index) + "/" +
         std::to_string(config_.shard.count) +
         " of_accounts=" + std::to_string(config_.accounts.size());
}

std::vector<AccountToPoll> Daemon::accounts_to_poll() {
  std::vector<AccountToPoll> accounts;
  for (AccountConfig& account : config_.accounts) {
    if (!in_shard(account.user_id, config_.shard)) continue;
    // A token file is read before every poll, so a rotated token needs no SIGHUP.
    if (account.auth.mode == AuthMode::token &&
        account.auth.token.source() == Secret::Source::file) {
      std::string error;
      if (std::optional<Secret> token = reread_secret(account.auth.token, error)) {
        account.auth.token = std::move(*token);
      } else {
        spdlog::warn("auth.token_unreadable account={} error=\"{}\" using=\"the last token read\"",
                     account.user_id, error);
      }
    }
    accounts.push_back({account.user_id, account.name.value_or(""), credentials(account)});
  }
  return accounts;
}

asio::awaitable<void> Daemon::poll_once(std::string_view trigger) {
  poll_in_flight_ = true;
  polling_client_ = client_;
  const auto started = steady_clock::now();
  spdlog::debug("poll.started trigger={} accounts={}", trigger, config_.accounts.size());
  const std::vector<PollReport> reports =
      co_await poll_accounts(*polling_client_, accounts_to_poll(), config_.modules, store_,
                             diff_options(config_), clock_, false);
  // Also after a failed poll: a clock ahead of the server's fails every request.
  const std::optional<std::chrono::seconds> skew = polling_client_->last_clock_skew();
  polling_client_.reset();
  poll_in_flight_ = false;
  metrics_.set_clock_skew(skew);
  if (auto notice = clock_skew_.observe(skew)) {
    spdlog::log(notice->warning ? spdlog::level::warn : spdlog::level::info, "{}", notice->line);
  }
  if (cycle_outcome(reports) == "cancelled") co_return;

  record_polls(reports);
  ++polls_completed_;
  std::size_t events = 0;
  for (const PollReport& report : reports) events += report.changes.size();
  if (events > 0) {
    for (auto& [name, worker] : workers_) worker->wake();
  }
  const std::string summary = cycle_summary(reports);
  const auto elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  // Each account already logged poll.finished; the cycle line matters when something failed.
  spdlog::log(cycle_outcome(reports) == "ok" ? spdlog::level::debug : spdlog::level::warn,
              "poll.cycle trigger={} ms={} summary=\"{}\"", trigger, elapsed.count(), summary);
  notify_status("last poll " + format_iso8601(clock_.now()) + ": " + summary);
}

asio::awaitable<void> Daemon::schedule_loop() {
  NextPoll next = plan_first_poll(steady_clock::now(), config_.poll.interval, config_.poll.jitter,
                                  config_.poll.run_on_start, unit_random());
  last_nominal_ =
      next.nominal - (config_.poll.run_on_start ? milliseconds(0) : config_.poll.interval);
  while (!stopping_) {
    if (!poll_now_ && steady_clock::now() < next.at) {
      schedule_timer_.expires_at(next.at);
      boost::system::error_code ignored;
      co_await schedule_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      if (stopping_) break;
      if (replan_) {
        replan_ = false;
        next = plan_next_poll(last_nominal_, steady_clock::now(), config_.poll.interval,
                              config_.poll.jitter, unit_random());
        spdlog::info("poll.rescheduled in_ms={}",
                     std::max<std::int64_t>(0, until(next.at).count()));
      }
      continue;
    }
    const bool requested = poll_now_;
    poll_now_ = false;
    co_await poll_once(requested ? "SIGUSR1" : "schedule");
    if (stopping_) break;
    if (requested) continue;  // a requested poll leaves the schedule as it was

    last_nominal_ = next.nominal;
    next = plan_next_poll(next.nominal, steady_clock::now(), config_.poll.interval,
                          config_.poll.jitter, unit_random());
    if (next.late > milliseconds(0)) {
      spdlog::warn(
          "poll.late by_ms={} reason=\"the poll took longer than poll.interval ({} ms); "
          "the next one starts now\"",
          next.late.count(), config_.poll.interval.count());
    } else {
      spdlog::debug("poll.scheduled in_ms={}", until(next.at).count());
    }
  }
}

}  // namespace kda::daemon
