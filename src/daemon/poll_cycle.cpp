#include "api/coroutine_warnings.hpp"
#include "daemon/poll_cycle.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

namespace kda::daemon {

PollCommit make_poll_commit(const AccountToPoll& account, const Observation& observation,
                            DiffResult diff, const api::FetchStats& stats,
                            SystemTime started_at, SystemTime finished_at,
                            const Snapshot* before) {
  PollCommit poll;
  poll.account_id = account.account_id;
  poll.account_name = account.name;
  poll.started_at = started_at;
  poll.finished_at = finished_at;
  poll.requests = static_cast<int>(stats.requests);
  poll.failures = static_cast<int>(stats.failures);

  if (const auto* failure = std::get_if<FetchFailure>(&observation.devices)) {
    // Nothing was seen, so nothing may change: only the poll row records the attempt, with
    // the device list's coverage.lost when this failure is the one that crosses the threshold.
    poll.outcome = "failed";
    poll.error = "device list: " + failure->reason;
    for (Change& change : diff.changes) {
      if (!is_configuration_change(change.type)) poll.changes.push_back(std::move(change));
    }
    return poll;
  }

  int failed_pairs = 0;
  for (const ScopeFetch& fetch : observation.scope_fetches) {
    PairAttempt attempt{fetch.pair, fetch.ok(), {}};
    if (const auto* failure = std::get_if<FetchFailure>(&fetch.result)) {
      attempt.error = failure->reason;
      if (failed_pairs++ == 0) poll.error = failure->reason;
    } else if (before != nullptr && before->fetched_pairs.contains(fetch.pair) &&
               !before->pair_failures.contains(fetch.pair)) {
      continue;  // healthy before, healthy now: nothing to write
    }
    poll.attempts.push_back(std::move(attempt));
  }
  poll.outcome = failed_pairs == 0 ? "ok" : "partial";
  if (failed_pairs > 1) poll.error += " (and " + std::to_string(failed_pairs - 1) + " more)";
  poll.device_writes = std::move(diff.device_writes);
  poll.scope_writes = std::move(diff.scope_writes);
  poll.changes = std::move(diff.changes);
  // Recorded in `baselines` so that verify can replay what was recorded without an event.
  poll.device_list_baseline = diff.baseline_devices > 0;
  for (const Baseline& baseline : diff.baselines) poll.baseline_pairs.push_back(baseline.pair);
  return poll;
}

boost::asio::awaitable<PollReport> poll_account(api::Client client, const AccountToPoll& account,
                                                std::vector<int> modules, Store& store,
                                                DiffOptions options, const Clock& clock,
                                                bool dry_run) {
  const SystemTime started_at = clock.now();
  const auto steady_start = std::chrono::steady_clock::now();
  api::FetchStats stats;
  Observation observation =
      co_await api::fetch_observation(client, account.credentials, std::move(modules), &stats);
  const SystemTime finished_at = clock.now();

  PollReport report;
  report.account_id = account.account_id;
  report.stats = stats;
  if (client.stopped()) {
    // The fetch was cut short by a stop; its failures say nothing about KooDrive.
    report.outcome = "cancelled";
    report.error = "stopped during the fetch";
    spdlog::info("poll.abandoned account={} reason=stopping requests={}", account.account_id,
                 stats.requests);
    co_return report;
  }

  // Loaded after the fetch: the snapshot is read and written with no await in between.
  std::optional<Snapshot> snapshot = store.load_snapshot(account.account_id);
  DiffResult result = diff(*snapshot, observation, options);
  report.baselines = result.baselines;
  report.baseline_devices = result.baseline_devices;
  const std::size_t held_scope_removals = result.held_scope_removals;
  const std::size_t held_device_removals = result.held_device_removals;
  PollCommit poll = make_poll_commit(account, observation, std::move(result), stats, started_at,
                                     finished_at, &*snapshot);
  snapshot.reset();
  observation = Observation{};  // the writes hold what is kept of it

  report.outcome = poll.outcome;
  report.error = poll.error;
  if (!dry_run) {
    const auto commit_start = std::chrono::steady_clock::now();
    report.commit = store.commit_poll(poll);
    report.commit_duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - commit_start);
  }
  report.changes = std::move(poll.changes);
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - steady_start);

  if (!report.baselines.empty() || report.baseline_devices > 0) {
    std::size_t scopes = 0;
    for (const Baseline& baseline : report.baselines) scopes += baseline.scope_count;
    spdlog::info("poll.baseline account={} devices={} pairs={} scopes={}", account.account_id,
                 report.baseline_devices, report.baselines.size(), scopes);
  }
  if (held_scope_removals > 0 || held_device_removals > 0) {
    spdlog::warn("poll.mass_removal_held account={} devices={} scopes={} (applied only if the "
                 "next successful poll confirms them)",
                 account.account_id, held_device_removals, held_scope_removals);
  }
  const auto log_level = report.outcome == "ok" ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(
      log_level,
      "poll.finished account={} outcome={} requests={} failed={} events={} rows={} commit_ms={} "
      "ms={}{}{}",
      account.account_id, report.outcome, stats.requests, stats.failures, report.changes.size(),
      report.commit.rows_written, report.commit_duration.count(), report.duration.count(), report.error.empty() ? "" : " error=\"",
      report.error.empty() ? "" : report.error + "\"");
  co_return report;
}

namespace {

boost::asio::awaitable<PollReport> poll_account_reporting_errors(api::Client client,
                                                                 const AccountToPoll& account,
                                                                 std::vector<int> modules,
                                                                 Store& store, DiffOptions options,
                                                                 const Clock& clock, bool dry_run) {
  std::string database_error;
  try {
    co_return co_await poll_account(client, account, std::move(modules), store, options, clock,
                                    dry_run);
  } catch (const std::exception& error) {
    database_error = error.what();
  }
  spdlog::error("poll.failed account={} error=\"database: {}\"", account.account_id,
                database_error);
  PollReport report;
  report.account_id = account.account_id;
  report.outcome = "failed";
  report.error = "database: " + database_error;
  report.database_error = true;
  co_return report;
}

}  // namespace

boost::asio::awaitable<std::vector<PollReport>> poll_accounts(api::Client client,
                                                              std::vector<AccountToPoll> accounts,
                                                              std::vector<int> modules,
                                                              Store& store, DiffOptions options,
                                                              const Clock& clock, bool dry_run) {
  namespace asio = boost::asio;
  const auto executor = co_await asio::this_coro::executor;
  std::vector<PollReport> reports(accounts.size());
  std::size_t remaining = accounts.size();
  // A latch: cancelled by the last account to finish.
  asio::steady_timer all_finished(executor, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    asio::co_spawn(
        executor,
        poll_account_reporting_errors(client, accounts[i], modules, store, options, clock, dry_run),
        [&reports, &remaining, &all_finished, i](std::exception_ptr, PollReport report) {
          reports[i] = std::move(report);
          if (--remaining == 0) all_finished.cancel();
        });
  }
  while (remaining > 0) {
    boost::system::error_code ignored;
    co_await all_finished.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  co_return reports;
}

std::string cycle_outcome(const std::vector<PollReport>& reports) {
  const auto rank = [](const std::string& outcome) {
    if (outcome == "failed") return 3;
    if (outcome == "cancelled") return 2;
    if (outcome == "partial") return 1;
    return 0;
  };
  std::string worst = "ok";
  for (const PollReport& report : reports) {
    if (rank(report.outcome) > rank(worst)) worst = report.outcome;
  }
  return worst;
}

std::string cycle_summary(const std::vector<PollReport>& reports) {
  std::size_t events = 0;
  std::uint64_t failed_requests = 0;
  const PollReport* first_error = nullptr;
  for (const PollReport& report : reports) {
    events += report.changes.size();
    failed_requests += report.stats.failures;
    if (first_error == nullptr && !report.error.empty()) first_error = &report;
  }
  const auto plural = [](std::uint64_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  std::string summary = cycle_outcome(reports) + ": " + plural(reports.size(), "account") + ", " +
                        plural(events, "event") + ", " + plural(failed_requests, "failed request");
  if (first_error != nullptr) {
    summary += " (account " + first_error->account_id + ": " + first_error->error + ")";
  }
  return summary;
}

int poll_exit_code(const std::vector<PollReport>& reports) noexcept {
  int code = 0;
  for (const PollReport& report : reports) {
    if (report.outcome == "failed" || report.outcome == "cancelled") return 1;
    if (report.outcome == "partial") code = 2;
  }
  return code;
}

}  // namespace kda::daemon
