#include "daemon/poll_cycle.hpp"

#include <spdlog/spdlog.h>

namespace kda::daemon {

PollCommit make_poll_commit(const AccountToPoll& account, const Observation& observation,
                            const DiffResult& diff, const api::FetchStats& stats,
                            SystemTime started_at, SystemTime finished_at) {
  PollCommit poll;
  poll.account_id = account.account_id;
  poll.account_name = account.name;
  poll.started_at = started_at;
  poll.finished_at = finished_at;
  poll.requests = static_cast<int>(stats.requests);
  poll.failures = static_cast<int>(stats.failures);

  if (const auto* failure = std::get_if<FetchFailure>(&observation.devices)) {
    // Nothing was seen, so nothing may change: only the poll row records the attempt.
    poll.outcome = "failed";
    poll.error = "device list: " + failure->reason;
    return poll;
  }

  int failed_pairs = 0;
  for (const ScopeFetch& fetch : observation.scope_fetches) {
    PairAttempt attempt{fetch.pair, fetch.ok(), {}};
    if (const auto* failure = std::get_if<FetchFailure>(&fetch.result)) {
      attempt.error = failure->reason;
      if (failed_pairs++ == 0) poll.error = failure->reason;
    }
    poll.attempts.push_back(std::move(attempt));
  }
  poll.outcome = failed_pairs == 0 ? "ok" : "partial";
  if (failed_pairs > 1) poll.error += " (and " + std::to_string(failed_pairs - 1) + " more)";
  poll.device_writes = diff.device_writes;
  poll.scope_writes = diff.scope_writes;
  poll.changes = diff.changes;
  return poll;
}

boost::asio::awaitable<PollReport> poll_account(api::Client client, const AccountToPoll& account,
                                                std::vector<int> modules, Store& store,
                                                DiffOptions options, const Clock& clock,
                                                bool dry_run) {
  const SystemTime started_at = clock.now();
  const auto steady_start = std::chrono::steady_clock::now();
  api::FetchStats stats;
  const Observation observation =
      co_await api::fetch_observation(client, account.credentials, std::move(modules), &stats);
  const SystemTime finished_at = clock.now();

  // Loaded after the fetch: the snapshot is read and written with no await in between.
  const Snapshot snapshot = store.load_snapshot(account.account_id);
  DiffResult result = diff(snapshot, observation, options);
  PollCommit poll =
      make_poll_commit(account, observation, result, stats, started_at, finished_at);

  PollReport report;
  report.account_id = account.account_id;
  report.outcome = poll.outcome;
  report.stats = stats;
  report.error = poll.error;
  report.baselines = std::move(result.baselines);
  report.baseline_devices = result.baseline_devices;
  report.changes = poll.changes;
  if (!dry_run) report.commit = store.commit_poll(poll);
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - steady_start);

  if (!report.baselines.empty() || report.baseline_devices > 0) {
    std::size_t scopes = 0;
    for (const Baseline& baseline : report.baselines) scopes += baseline.scope_count;
    spdlog::info("poll.baseline account={} devices={} pairs={} scopes={}", account.account_id,
                 report.baseline_devices, report.baselines.size(), scopes);
  }
  const auto log_level =
      report.outcome == "ok" ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(log_level,
              "poll.finished account={} outcome={} requests={} failed={} events={} ms={}{}{}",
              account.account_id, report.outcome, stats.requests, stats.failures,
              report.changes.size(), report.duration.count(),
              report.error.empty() ? "" : " error=\"", report.error.empty() ? "" : report.error + "\"");
  co_return report;
}

int poll_exit_code(const std::vector<PollReport>& reports) noexcept {
  int code = 0;
  for (const PollReport& report : reports) {
    if (report.outcome == "failed") return 1;
    if (report.outcome == "partial") code = 2;
  }
  return code;
}

}  // namespace kda::daemon
