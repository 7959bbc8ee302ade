// `koodrive-audit verify`: the store (read-only) → Store::verify → a summary or the problems.
#include "cli/commands.hpp"
#include "cli/read_store.hpp"

#include <iostream>

namespace kda::cli {

namespace {

std::string count(std::int64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

int run_verify(const std::filesystem::path& config_path) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  std::optional<Store> store = open_store_for_reading(config->database.path, "verify", std::cerr);
  if (!store) return exit_failure;

  try {
    const VerifyReport report = store->verify();
    if (report.ok()) {
      std::cout << "verified " << count(report.events, "event") << " and "
                << count(report.baselines, "baseline") << "; the replay matches "
                << count(report.devices, "device") << " and " << count(report.scopes, "scope")
                << '\n';
      std::cout.flush();
      return std::cout ? exit_ok : exit_failure;
    }
    // The problems are the command's answer (stdout, one per line, first bad row first); the
    // verdict goes to stderr so that it is seen even when stdout is redirected.
    for (const VerifyProblem& problem : report.problems) std::cout << problem.text << '\n';
    std::cout.flush();
    std::cerr << "verify: FAILED: " << count(static_cast<std::int64_t>(report.problems.size()), "problem")
              << " in " << config->database.path.string();
    if (const auto seq = report.first_bad_seq()) std::cerr << "; the first bad event is seq " << *seq;
    std::cerr << '\n';
    return exit_failure;
  } catch (const std::exception& error) {
    std::cerr << "verify: " << config->database.path.string() << ": " << error.what() << '\n';
    return exit_failure;
  }
}

}  // namespace kda::cli
