#include "cli/commands.hpp"
#include "daemon/wiring.hpp"
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>

namespace kda::cli {

namespace asio = boost::asio;

int run_fetch(const std::filesystem::path& config_path, const std::optional<std::string>& account) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;

  const AccountConfig* chosen = &config->accounts.front();
  if (account) {
    chosen = nullptr;
    for (const AccountConfig& candidate : config->accounts) {
      if (candidate.user_id == *account || candidate.name == *account) chosen = &candidate;
    }
    if (chosen == nullptr) {
      std::cerr << "fetch: no account '" << *account << "' in " << config_path.string() << '\n';
      return exit_failure;
    }
  }

  asio::io_context io;
  SystemClock clock;
  Result<api::Client> client =
      api::Client::create(io.get_executor(), daemon::client_options(*config), clock);
  if (!client) {
    std::cerr << "fetch: " << client.error().message() << '\n';
    return exit_failure;
  }
  std::future<Observation> result = asio::co_spawn(
      io, api::fetch_observation(*client, daemon::credentials(*chosen), config->modules),
      asio::use_future);
  io.run();
  const Observation observation = result.get();
  std::cout << api::observation_to_json(observation) << '\n';
  return api::fetch_exit_code(observation);
}

}  // namespace kda::cli
