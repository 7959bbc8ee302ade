// `koodrive-audit history`: arguments → a read-only query → table or JSON lines.
#include "cli/commands.hpp"
#include "cli/history_args.hpp"
#include "cli/history_format.hpp"
#include "cli/read_store.hpp"
#include "koodrive_audit/sinks.hpp"

#include <iostream>

namespace kda::cli {

int run_history(const std::filesystem::path& config_path, const HistoryOptions& options) {
  // Arguments before the config: a typo in --since is reported even when the config is broken.
  const HistoryArgs args = parse_history_args(options, SystemClock{}.now());
  for (const std::string& error : args.errors) std::cerr << "history: " << error << '\n';
  if (!args.errors.empty()) return exit_failure;

  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  std::optional<Store> store = open_store_for_reading(config->database.path, "history", std::cerr);
  if (!store) return exit_failure;

  try {
    const std::vector<StoredEvent> events = store->history(args.filter);
    if (events.empty()) {
      // stderr: stdout stays empty, so `history --json | wc -l` still counts events.
      std::cerr << "no events";
      if (args.filter.device_id && !store->has_device(*args.filter.device_id)) {
        std::cerr << " (no device " << *args.filter.device_id << " was ever recorded)";
      }
      std::cerr << '\n';
      return exit_ok;
    }
    if (options.json) {
      // Exactly the JSONL sink's lines (the same event_to_json of the same StoredEvent).
      for (const StoredEvent& event : events) std::cout << event_to_json(event) << '\n';
    } else {
      std::cout << format_history(events);
    }
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "history: cannot write to stdout\n";
      return exit_failure;
    }
    return exit_ok;
  } catch (const std::exception& error) {
    std::cerr << "history: " << config->database.path.string() << ": " << error.what() << '\n';
    return exit_failure;
  }
}

}  // namespace kda::cli
