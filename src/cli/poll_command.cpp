#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "daemon/logging.hpp"
#include "daemon/poll_cycle.hpp"
#include "daemon/wiring.hpp"
#include "koodrive_audit/event_json.hpp"
#include "koodrive_audit/sinks.hpp"

namespace kda::cli {

namespace asio = boost::asio;

namespace {

void print_change(const Change& change) {
  std::cout << to_string(change.type) << " device_id=" << change.device_id << " device=\""
            << change.device_name << "\"";
  if (change.module_code) std::cout << " module_code=" << *change.module_code;
  if (!change.scope_id.empty()) std::cout << " scope_id=" << change.scope_id;
  if (!change.cause.empty()) std::cout << " cause=" << change.cause;
  std::cout << " before=" << record_to_json(change.before)
            << " after=" << record_to_json(change.after) << '\n';
}

asio::awaitable<int> poll_all(const Config& config, Store& store, bool dry_run) {
  SystemClock clock;
  Result<api::Client> client = api::Client::create(co_await asio::this_coro::executor,
                                                   daemon::client_options(config), clock);
  if (!client) {
    spdlog::error("poll.failed error=\"{}\"", client.error().message());
    co_return exit_failure;
  }
  std::vector<daemon::AccountToPoll> accounts;
  for (const AccountConfig& account : config.accounts) {
    if (!in_shard(account.user_id, config.shard)) continue;
    accounts.push_back({account.user_id, account.name.value_or(""), daemon::credentials(account)});
  }
  const std::vector<daemon::PollReport> reports =
      co_await daemon::poll_accounts(*client, std::move(accounts), config.modules, store,
                                     daemon::diff_options(config), clock, dry_run);

  if (dry_run) {
    for (const daemon::PollReport& report : reports) {
      for (const Change& change : report.changes) print_change(change);
    }
    co_return daemon::poll_exit_code(reports);
  }
  // Before exit, every sink gets what is pending (this poll's events and any older backlog).
  daemon::SinkSet sinks =
      daemon::make_sinks(config, co_await asio::this_coro::executor, clock);
  for (const std::string& skipped : sinks.skipped) {
    spdlog::error("sink.unusable reason=\"{}\"", skipped);
  }
  for (daemon::ConfiguredSink& configured : sinks.sinks) {
    const DrainReport drained =
        co_await drain_outbox(store, *configured.sink, configured.types, clock);
    if (drained.error) {
      spdlog::error("sink.failed sink={} delivered={} error=\"{}\"", configured.sink->name(),
                    drained.delivered, drained.error->message());
    }
  }
  co_return daemon::poll_exit_code(reports);
}

}  // namespace

int run_poll_once(const std::filesystem::path& config_path, bool dry_run) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  configure_logging(*config);

  create_database_directory(config->database.path);
  Store store = Store::open(config->database.path);
  store.migrate();

  asio::io_context io;
  std::future<int> result = asio::co_spawn(io, poll_all(*config, store, dry_run), asio::use_future);
  io.run();
  return result.get();
}

void configure_logging(const Config& config) { daemon::configure_logging(config.log.level); }

}  // namespace kda::cli
