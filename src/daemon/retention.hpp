#pragma once
// The daemon's retention job (database.retention, issue #8): prunes once at start and then
// every 24 hours, and gives the freed pages back to the file system in bounded steps.
//
// Promises:
// - retention 0 means keep forever: nothing is pruned (logged once as retention.disabled).
// - The cutoff is the injected clock's now minus database.retention, read at each run together
//   with the configured sinks, so a SIGHUP applies to the next run.
// - A run is one short write transaction (Store::prune) and then vacuum steps of at most
//   `vacuum_step_bytes` (whatever the database's page size), yielding to the event loop between steps. It logs
//   `retention.pruned events= polls= baselines= devices= scopes= freed_pages= ms=`, or
//   `retention.failed error="…"`: the daemon keeps running and tries again at the next run.
// - The schedule is nominal (start + k × 24 h), not "24 h after the last run"; stop() cancels
//   the wait and run() returns.
// Single-threaded: everything runs on the executor given to the constructor; the Store and the
// Clock must outlive it.
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/config.hpp"
#include "koodrive_audit/store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kda::daemon {

// What one run prunes: from the running configuration.
struct RetentionPolicy {
  Duration retention{0};           // 0 = keep forever
  std::vector<std::string> sinks;  // the configured sinks' names
};
RetentionPolicy retention_policy(const Config& config);

// The prune request for `now`, or nullopt when retention is 0 (keep forever). Pure.
std::optional<PruneRequest> prune_request(const RetentionPolicy& policy, SystemTime now);

// What a prune did, as the fields of its `retention.pruned` line: "cutoff=… events=… polls=…
// baselines=… devices=… scopes=… through_seq=…", then " held_by_sink=NAME" when a sink held
// events back. Shared by the daemon's job and `koodrive-audit prune`. Pure.
std::string describe_prune(const PruneRequest& request, const PruneReport& report);

class Retention {
 public:
  static constexpr std::chrono::hours period{24};
  static constexpr std::int64_t vacuum_step_bytes = 8 << 20;
  // The pages of one vacuum step: 512 of 16 KiB (a database created since 16 KiB pages),
  // 2048 of 4 KiB (an older one).
  static std::int64_t vacuum_step_pages(std::int64_t page_size);

  Retention(boost::asio::any_io_executor executor, Store& store, const Clock& clock,
            std::function<RetentionPolicy()> policy);

  // Prunes now, then every `period`, until stop().
  boost::asio::awaitable<void> run();
  // One run; the report, or nullopt when retention is 0 or the prune failed (logged).
  boost::asio::awaitable<std::optional<PruneReport>> prune_once();
  void stop();

 private:
  boost::asio::any_io_executor executor_;
  Store& store_;
  const Clock& clock_;
  std::function<RetentionPolicy()> policy_;
  boost::asio::steady_timer timer_;
  bool stopping_ = false;
  bool disabled_logged_ = false;
};

}  // namespace kda::daemon
