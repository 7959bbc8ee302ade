#include "api/coroutine_warnings.hpp"
#include "daemon/poll_cycle.hpp"

#include "daemon/stored_scope_reader.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <time.h>

#include <algorithm>
#include <optional>

namespace kda::daemon {

namespace {

// CPU time, not an instant: a measure of the commit like its duration, never used for logic.
std::chrono::nanoseconds thread_cpu_time() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

void push_attempt(std::vector<PairAttempt>& attempts, const ScopeFetch& fetch,
                  bool healthy_before) {
  if (const auto* failure = std::get_if<FetchFailure>(&fetch.result)) {
    attempts.push_back(PairAttempt{fetch.pair, false, failure->reason});
  } else if (!healthy_before) {
    attempts.push_back(PairAttempt{fetch.pair, true, {}});
  }  // else healthy before, healthy now: nothing to write
}

}  // namespace

void record_attempt(std::vector<PairAttempt>& attempts, const ScopeFetch& fetch,
                    const Snapshot& before, bool fetched_before) {
  // Healthy: fetched successfully, and no failure since.
  push_attempt(attempts, fetch, fetched_before && !before.pair_failures.contains(fetch.pair));
}

void record_attempt(std::vector<PairAttempt>& attempts, const ScopeFetch& fetch,
                    const Snapshot* before) {
  if (before == nullptr) {
    push_attempt(attempts, fetch, false);
    return;
  }
  record_attempt(attempts, fetch, *before, before->fetched_pairs.contains(fetch.pair));
}

PollCommit make_poll_commit(const AccountToPoll& account, const FetchFailure* device_list_failure,
                            std::vector<PairAttempt> attempts, DiffResult diff,
                            const api::FetchStats& stats, SystemTime started_at,
                            SystemTime finished_at) {
  PollCommit poll;
  poll.account_id = account.account_id;
  poll.account_name = account.name;
  poll.started_at = started_at;
  poll.finished_at = finished_at;
  poll.requests = static_cast<int>(stats.requests);
  poll.failures = static_cast<int>(stats.failures);

  if (device_list_failure != nullptr) {
    // Nothing was seen, so nothing may change: only the poll row records the attempt, with
    // the device list's coverage.lost when this failure is the one that crosses the threshold.
    poll.outcome = "failed";
    poll.error = "device list: " + device_list_failure->reason;
    for (Change& change : diff.changes) {
      if (!is_configuration_change(change.type)) poll.changes.push_back(std::move(change));
    }
    return poll;
  }

  int failed_pairs = 0;
  for (const PairAttempt& attempt : attempts) {
    if (!attempt.ok && failed_pairs++ == 0) poll.error = attempt.error;
  }
  poll.attempts = std::move(attempts);
  poll.outcome = failed_pairs == 0 ? "ok" : "partial";
  if (failed_pairs > 1) poll.error += " (and " + std::to_string(failed_pairs - 1) + " more)";
  poll.device_writes = std::move(diff.device_writes);
  poll.scope_writes = std::move(diff.scope_writes);
  poll.new_pair_scopes = std::move(diff.new_pair_scopes);
  poll.changes = std::move(diff.changes);
  // Recorded in `baselines` so that verify can replay what was recorded without an event.
  poll.device_list_baseline = diff.baseline_devices > 0;
  poll.baseline_pairs.reserve(diff.baselines.size());
  for (Baseline& baseline : diff.baselines) poll.baseline_pairs.push_back(std::move(baseline.pair));
  return poll;
}

PollCommit make_poll_commit(const AccountToPoll& account, const Observation& observation,
                            DiffResult diff, const api::FetchStats& stats,
                            SystemTime started_at, SystemTime finished_at,
                            const Snapshot* before) {
  std::vector<PairAttempt> attempts;
  for (const ScopeFetch& fetch : observation.scope_fetches) record_attempt(attempts, fetch, before);
  return make_poll_commit(account, std::get_if<FetchFailure>(&observation.devices),
                          std::move(attempts), std::move(diff), stats, started_at, finished_at);
}

namespace {

// What the report and the log keep of a diff once its writes and changes went to the commit.
struct DiffCounts {
  std::size_t baseline_pairs = 0;
  std::size_t baseline_scopes = 0;
  std::size_t baseline_devices = 0;
  std::size_t held_scope_removals = 0;
  std::size_t held_device_removals = 0;
};

DiffCounts counts_of(const DiffResult& result) {
  DiffCounts counts{result.baselines.size(), 0, result.baseline_devices,
                    result.held_scope_removals, result.held_device_removals};
  for (const Baseline& baseline : result.baselines) counts.baseline_scopes += baseline.scope_count;
  return counts;
}

PollReport cancelled_report(const AccountToPoll& account, const api::FetchStats& stats) {
  // The fetch was cut short by a stop; its failures say nothing about KooDrive.
  PollReport report;
  report.account_id = account.account_id;
  report.stats = stats;
  report.outcome = "cancelled";
  report.error = "stopped during the fetch";
  spdlog::info("poll.abandoned account={} reason=stopping requests={}", account.account_id,
               stats.requests);
  return report;
}

// Commits (unless dry_run) and logs what one account's poll found.
PollReport finish_poll(const AccountToPoll& account, PollCommit poll, DiffCounts counts,
                       const api::FetchStats& stats, Store& store, bool dry_run,
                       std::chrono::steady_clock::time_point steady_start) {
  PollReport report;
  report.account_id = account.account_id;
  report.stats = stats;
  report.baseline_pairs = counts.baseline_pairs;
  report.baseline_scopes = counts.baseline_scopes;
  report.baseline_devices = counts.baseline_devices;
  report.outcome = poll.outcome;
  report.error = poll.error;
  if (!dry_run) {
    const auto commit_start = std::chrono::steady_clock::now();
    const auto commit_cpu_start = thread_cpu_time();
    report.commit = store.commit_poll(poll);
    report.commit_duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - commit_start);
    report.commit_cpu =
        std::chrono::duration_cast<std::chrono::milliseconds>(thread_cpu_time() - commit_cpu_start);
  }
  report.changes = std::move(poll.changes);
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - steady_start);

  if (report.baseline_pairs > 0 || report.baseline_devices > 0) {
    spdlog::info("poll.baseline account={} devices={} pairs={} scopes={}", account.account_id,
                 report.baseline_devices, report.baseline_pairs, report.baseline_scopes);
  }
  if (counts.held_scope_removals > 0 || counts.held_device_removals > 0) {
    spdlog::warn("poll.mass_removal_held account={} devices={} scopes={} (applied only if the "
                 "next successful poll confirms them)",
                 account.account_id, counts.held_device_removals, counts.held_scope_removals);
  }
  const auto log_level = report.outcome == "ok" ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(
      log_level,
      "poll.finished account={} outcome={} requests={} failed={} events={} rows={} commit_ms={} "
      "commit_cpu_ms={} ms={}{}{}",
      account.account_id, report.outcome, stats.requests, stats.failures, report.changes.size(),
      report.commit.rows_written, report.commit_duration.count(), report.commit_cpu.count(),
      report.duration.count(),
      report.error.empty() ? "" : " error=\"", report.error.empty() ? "" : report.error + "\"");
  return report;
}

}  // namespace

boost::asio::awaitable<PollReport> poll_account(api::Client client, const AccountToPoll& account,
                                                std::vector<int> modules, Store& store,
                                                DiffOptions options, const Clock& clock,
                                                bool dry_run) {
  const SystemTime started_at = clock.now();
  const auto steady_start = std::chrono::steady_clock::now();
  api::FetchStats stats;
  auto devices = co_await client.list_devices(account.credentials, &stats);
  if (client.stopped()) co_return cancelled_report(account, stats);

  if (!devices) {
    const FetchFailure failure = api::to_fetch_failure(devices.error());
    const SystemTime finished_at = clock.now();
    Observation observation;
    observation.account_id = account.account_id;
    observation.devices = failure;
    const Snapshot head = store.load_snapshot_head(account.account_id).snapshot;
    DiffResult result = diff(head, observation, options);
    DiffCounts counts = counts_of(result);
    co_return finish_poll(account,
                          make_poll_commit(account, &failure, {}, std::move(result), stats,
                                           started_at, finished_at),
                          std::move(counts), stats, store, dry_run, steady_start);
  }

  // Read once the device list is in; the stored scopes are read pair by pair as the answers
  // arrive, and each answer is digested and dropped. The head, the reader and the diff's own
  // state go before the commit, which is the poll's peak memory.
  DiffResult result;
  std::vector<PairAttempt> attempts;
  std::int64_t newest_poll = 0;
  SystemTime finished_at;
  {
    // Which pairs were fetched before comes from the reader, a run at a time.
    const SnapshotHead head =
        store.load_snapshot_head(account.account_id, Store::HeadPairs::leave_out);
    newest_poll = head.newest_poll;
    std::vector<std::string> listed;
    listed.reserve(devices->size());
    for (const Device& device : *devices) listed.push_back(device.device_id);
    StoredScopeReader reader(store, account.account_id, std::move(listed));
    const StoredScopes stored = reader.scopes();
    const auto count_live_scopes = [&store, &account] {
      return store.live_scope_count(account.account_id);
    };
    StreamingDiff streaming(head.snapshot, count_live_scopes, *devices, options, stored);
    streaming.leave_out_fetched_pairs();  // the attempts say which pairs were fetched
    std::vector<PairKey> pairs;
    pairs.reserve(devices->size() * modules.size());
    for (const Device& device : *devices) {
      for (int module : modules) pairs.push_back(PairKey{device.device_id, module});
    }
    // In identity order, so that the reader's queries follow the scopes primary key.
    std::sort(pairs.begin(), pairs.end());
    streaming.expect_answers(pairs.size());
    // Every pair not yet healthy gets an attempt: in the account's first poll every pair, sized
    // once rather than grown by doubling (which would briefly hold two copies); later polls
    // have few, unless many devices are new.
    attempts.reserve(head.snapshot.device_list_fetched_before ? head.snapshot.pair_failures.size()
                                                              : pairs.size());
    devices->clear();
    devices->shrink_to_fit();
    co_await api::fetch_scopes(
        client, account.credentials, std::move(pairs),
        [&](std::size_t, ScopeFetch&& fetch) {
          // Asked once: the attempt and the diff's baseline rule both need it.
          const bool fetched_before = fetch.ok() && stored.fetched_before(fetch.pair);
          record_attempt(attempts, fetch, head.snapshot, fetched_before);
          streaming.add(std::move(fetch), fetched_before);
        },
        &stats);
    finished_at = clock.now();
    if (client.stopped()) co_return cancelled_report(account, stats);
    result = streaming.finish();
  }

  DiffCounts counts = counts_of(result);
  // Answers arrive in any order; the error names the first failed pair by identity.
  std::sort(attempts.begin(), attempts.end(),
            [](const PairAttempt& a, const PairAttempt& b) { return a.pair < b.pair; });
  PollCommit poll = make_poll_commit(account, nullptr, std::move(attempts), std::move(result),
                                     stats, started_at, finished_at);
  poll.expected_newest_poll = newest_poll;
  co_return finish_poll(account, std::move(poll), std::move(counts), stats, store, dry_run,
                        steady_start);
}

namespace {

boost::asio::awaitable<PollReport> poll_account_reporting_errors(api::Client client,
                                                                 const AccountToPoll& account,
                                                                 std::vector<int> modules,
                                                                 Store& store, DiffOptions options,
                                                                 const Clock& clock, bool dry_run) {
  std::string database_error;
  std::string conflict;
  try {
    co_return co_await poll_account(client, account, std::move(modules), store, options, clock,
                                    dry_run);
  } catch (const PollConflict& error) {
    conflict = error.what();
  } catch (const std::exception& error) {
    database_error = error.what();
  }
  PollReport report;
  report.account_id = account.account_id;
  report.outcome = "failed";
  if (!conflict.empty()) {
    // Lost a race with another process (a `poll --once` by hand, say): nothing is lost, the
    // next poll diffs against what that process committed. The database is writable.
    spdlog::warn("poll.conflict account={} error=\"{}\"", account.account_id, conflict);
    report.error = "conflict: " + conflict;
    co_return report;
  }
  spdlog::error("poll.failed account={} error=\"database: {}\"", account.account_id,
                database_error);
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
