// `koodrive-audit prune [--dry-run]`: the daemon's retention run, once, now (Store::prune with
// the configured database.retention and sinks, then the freed pages given back), for an operator
// who lowered the retention or wants the space back without waiting for the daemon's next day.
#include "cli/commands.hpp"
#include "cli/read_store.hpp"
#include "daemon/retention.hpp"
#include "koodrive_audit/clock.hpp"

#include <chrono>
#include <iostream>

namespace kda::cli {

int run_prune(const std::filesystem::path& config_path, bool dry_run) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  const std::optional<PruneRequest> request =
      daemon::prune_request(daemon::retention_policy(*config), SystemClock{}.now());
  if (!request) {
    std::cout << "retention.disabled reason=\"database.retention is 0\"\n";
    return exit_ok;
  }
  // Never creates, never migrates: the checks of the read-only commands, then a connection that
  // may write (a dry run writes too, then rolls back).
  if (!open_store_for_reading(config->database.path, "prune", std::cerr)) return exit_failure;

  PruneRequest prune = *request;
  prune.dry_run = dry_run;
  const auto started = std::chrono::steady_clock::now();
  try {
    Store store = Store::open(config->database.path);
    const PruneReport report = store.prune(prune);
    if (dry_run) {
      std::cout << "retention.would_prune " << daemon::describe_prune(prune, report) << '\n';
      return exit_ok;
    }
    std::int64_t freed = 0;
    const std::int64_t step_pages = daemon::Retention::vacuum_step_pages(store.page_size());
    while (const std::int64_t step = store.reclaim_space(step_pages)) {
      freed += step;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::cout << "retention.pruned " << daemon::describe_prune(prune, report)
              << " freed_pages=" << freed << " ms=" << ms.count() << '\n';
    return exit_ok;
  } catch (const std::exception& error) {
    std::cerr << "retention.failed cutoff=" << format_iso8601(prune.cutoff) << " error=\""
              << error.what() << "\"\n";
    return exit_failure;
  }
}

}  // namespace kda::cli
