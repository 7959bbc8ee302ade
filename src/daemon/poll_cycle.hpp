#pragma once
// One poll of one account: fetch the observation, diff it against the stored snapshot, commit
// snapshot rows, events, fetch_status and the poll row in one transaction.
//
// Failure is not absence: a failed device list commits only a `failed` poll row and the
// fetch_status of nothing; failed pairs keep their snapshot (the diff leaves them alone).
// Stopping is not failure either: when the client was stopped during the fetch (SIGTERM), the
// poll is abandoned and nothing of it is committed (outcome "cancelled").
// Runs on the caller's io_context; the Store is used only between awaits (no transaction is
// ever held across a co_await). The snapshot is read while the answers arrive, so the commit
// checks that no other process committed a poll of the account meanwhile (else it throws and
// writes nothing). Database errors throw (StoreError); fetch errors are values.
#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "koodrive_audit/api.hpp"
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/diff.hpp"
#include "koodrive_audit/store.hpp"

namespace kda::daemon {

struct AccountToPoll {
  std::string account_id;
  std::string name;  // label, may be empty
  api::Credentials credentials;
};

struct PollReport {
  std::string account_id;
  std::string outcome;  // "ok" | "partial" | "failed" | "cancelled" (nothing committed)
  CommitResult commit;  // empty on a dry run
  std::vector<Change> changes;
  std::size_t baseline_pairs = 0;   // (device, module) pairs recorded silently
  std::size_t baseline_scopes = 0;  // scopes recorded silently in them
  std::size_t baseline_devices = 0;
  api::FetchStats stats;
  // The device list's failure, the first failed pair's, "database: …" when the commit failed,
  // or "conflict: …" when another process committed a poll of the account meanwhile.
  std::string error;
  bool database_error = false;  // the commit failed (error is "database: …"); not a conflict
  std::chrono::milliseconds duration{0};
  std::chrono::milliseconds commit_duration{0};  // of Store::commit_poll; 0 on a dry run
  // The CPU time the commit took (this thread's; SQLite runs on it). Far below commit_duration
  // when the commit waited on the disk, close to it when it was busy building rows.
  std::chrono::milliseconds commit_cpu{0};
};

// Pure: what to commit for one observation and its diff. Takes the diff by value so that a
// caller done with it can move it in: a baseline's 90,000 row writes are not copied. With the
// snapshot the diff ran against, successes of pairs that were already healthy are left out of
// the attempts: they would change no row (migration 0004), and each costs a statement.
PollCommit make_poll_commit(const AccountToPoll& account, const Observation& observation,
                            DiffResult diff, const api::FetchStats& stats,
                            SystemTime started_at, SystemTime finished_at,
                            const Snapshot* before = nullptr);

// Adds the fetch_status attempt of one pair's answer to `attempts`: a failure always, a success
// unless `before` shows the pair healthy already (it would change no row, migration 0004).
void record_attempt(std::vector<PairAttempt>& attempts, const ScopeFetch& fetch,
                    const Snapshot* before);
// The same, told whether the pair was fetched successfully before (a poll that reads
// fetch_status a run at a time holds no Snapshot::fetched_pairs); `before`'s pair_failures
// say whether it failed since.
void record_attempt(std::vector<PairAttempt>& attempts, const ScopeFetch& fetch,
                    const Snapshot& before, bool fetched_before);

// The same as above, for a poll whose device list was fetched (device_list_failure == nullptr)
// or not, with the attempts already recorded (record_attempt); poll.error names the first
// failed attempt in `attempts` order.
PollCommit make_poll_commit(const AccountToPoll& account, const FetchFailure* device_list_failure,
                            std::vector<PairAttempt> attempts, DiffResult diff,
                            const api::FetchStats& stats, SystemTime started_at,
                            SystemTime finished_at);

// Fetches, diffs and (unless dry_run) commits one account's poll. The device list comes
// first; then each (device, module) answer is diffed as it arrives against that pair's stored
// scopes (StreamingDiff), so neither the whole snapshot nor the whole observation is held.
boost::asio::awaitable<PollReport> poll_account(api::Client client, const AccountToPoll& account,
                                                std::vector<int> modules, Store& store,
                                                DiffOptions options, const Clock& clock,
                                                bool dry_run);

// Every account at once: they share the client's connection pool, so api.max_concurrency
// bounds the requests in flight across accounts. Reports come in `accounts` order. A database
// error in one account's commit becomes that account's "failed" report (error "database: …")
// and does not stop the others; so does a PollConflict (error "conflict: …", database_error
// false: the database is writable, another process just committed first).
boost::asio::awaitable<std::vector<PollReport>> poll_accounts(api::Client client,
                                                              std::vector<AccountToPoll> accounts,
                                                              std::vector<int> modules,
                                                              Store& store, DiffOptions options,
                                                              const Clock& clock, bool dry_run);

// The worst outcome of a cycle: "failed" > "cancelled" > "partial" > "ok".
std::string cycle_outcome(const std::vector<PollReport>& reports);
// One line for logs and systemd's STATUS=: "partial: 2 accounts, 3 events, 1 failed request
// (account 1505…: GET …: timeout)".
std::string cycle_summary(const std::vector<PollReport>& reports);

// "ok" → 0, "partial" → 2, "failed" or "cancelled" → 1; several accounts: the worst.
int poll_exit_code(const std::vector<PollReport>& reports) noexcept;

}  // namespace kda::daemon
