// `koodrive-audit status`: the store (read-only) and the config → a StatusReport → text or JSON.
#include "cli/commands.hpp"
#include "cli/read_store.hpp"
#include "cli/status_report.hpp"

#include <algorithm>
#include <iostream>

namespace kda::cli {

namespace {

StatusReport gather(const Config& config, Store& store, SystemTime now) {
  StatusReport report;
  report.now = now;
  report.poll_interval = config.poll.interval;
  // One read transaction: a poll the daemon commits meanwhile shows up everywhere or nowhere
  // (not in the backlog but not yet in the polls, say).
  store.read_consistently([&] {
    for (const AccountConfig& account : config.accounts) {
      if (!in_shard(account.user_id, config.shard)) continue;  // another instance's account
      report.accounts.push_back(
          AccountStatus{account.user_id, account.name.value_or(""),
                        store.recent_polls(account.user_id, status_poll_count),
                        store.failing_pairs(account.user_id)});
    }
    for (AccountRow& row : store.accounts()) {
      const bool configured = std::any_of(
          config.accounts.begin(), config.accounts.end(),
          [&](const AccountConfig& account) { return account.user_id == row.account_id; });
      if (!configured) report.unconfigured.push_back(std::move(row));
    }
    for (const SinkConfig& sink : config.events.sinks) {
      report.sinks.push_back(SinkStatus{sink.name, std::string(to_string(sink.type())),
                                        store.sink_cursor(sink.name),
                                        store.backlog(sink.name, sink.types),
                                        store.sink_health(sink.name)});
    }
    report.last_seq = store.last_seq();
  });
  return report;
}

}  // namespace

int run_status(const std::filesystem::path& config_path, bool json) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  std::optional<Store> store = open_store_for_reading(config->database.path, "status", std::cerr);
  if (!store) return exit_failure;

  try {
    const StatusReport report = gather(*config, *store, SystemClock{}.now());
    std::cout << (json ? status_to_json(report) + "\n" : format_status(report));
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "status: cannot write to stdout\n";
      return exit_failure;
    }
    return status_exit_code(report);
  } catch (const std::exception& error) {
    std::cerr << "status: " << config->database.path.string() << ": " << error.what() << '\n';
    return exit_failure;
  }
}

}  // namespace kda::cli
