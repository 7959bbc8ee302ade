#include "cli/commands.hpp"
#include "cli/wiring.hpp"
#include "daemon/poll_cycle.hpp"
#include "koodrive_audit/event_json.hpp"
#include "koodrive_audit/sinks.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace kda::cli {

namespace asio = boost::asio;

namespace {

std::vector<std::pair<std::unique_ptr<Sink>, std::set<std::string>>> make_sinks(
    const Config& config) {
  std::vector<std::pair<std::unique_ptr<Sink>, std::set<std::string>>> sinks;
  for (const SinkConfig& sink : config.events.sinks) {
    std::set<std::string> types(sink.types.begin(), sink.types.end());
    if (std::holds_alternative<LogSinkConfig>(sink.settings)) {
      sinks.emplace_back(make_log_sink(sink.name), std::move(types));
    } else if (const auto* jsonl = std::get_if<JsonlSinkConfig>(&sink.settings)) {
      sinks.emplace_back(make_jsonl_sink(sink.name, jsonl->path), std::move(types));
    } else {
      // Events wait in the outbox (its cursor does not move) until this sink type exists.
      spdlog::warn("sink.unsupported sink={} reason=\"not implemented yet; events are kept\"",
                   sink.name);
    }
  }
  return sinks;
}

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
  Result<api::Client> client =
      api::Client::create(co_await asio::this_coro::executor, client_options(config), clock);
  if (!client) {
    spdlog::error("poll.failed error=\"{}\"", client.error().message());
    co_return exit_failure;
  }
  DiffOptions options;
  options.baseline = config.events.baseline == BaselinePolicy::emit ? BaselineMode::emit
                                                                     : BaselineMode::silent;
  options.confirm_removals = config.events.confirm_removals;

  std::vector<daemon::PollReport> reports;
  for (const AccountConfig& account : config.accounts) {
    daemon::AccountToPoll target{account.user_id, account.name.value_or(""),
                                 credentials(account)};
    reports.push_back(co_await daemon::poll_account(*client, target, config.modules, store,
                                                    options, clock, dry_run));
  }

  if (dry_run) {
    for (const daemon::PollReport& report : reports) {
      for (const Change& change : report.changes) print_change(change);
    }
  } else {
    for (auto& [sink, types] : make_sinks(config)) {
      const DrainReport drained = co_await drain_outbox(store, *sink, types, clock);
      if (drained.error) {
        spdlog::error("sink.failed sink={} delivered={} error=\"{}\"", sink->name(),
                      drained.delivered, drained.error->message());
      }
    }
  }
  co_return daemon::poll_exit_code(reports);
}

}  // namespace

int run_poll_once(const std::filesystem::path& config_path, bool dry_run) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  configure_logging(*config);

  std::filesystem::create_directories(config->database.path.parent_path());
  Store store = Store::open(config->database.path);
  store.migrate();

  asio::io_context io;
  std::future<int> result = asio::co_spawn(io, poll_all(*config, store, dry_run), asio::use_future);
  io.run();
  return result.get();
}

void configure_logging(const Config& config) {
  // stderr: stdout carries the command's own output (dry-run changes, JSON).
  spdlog::set_default_logger(spdlog::stderr_logger_st("koodrive-audit"));
  spdlog::set_pattern("%l %v");
  switch (config.log.level) {
    case LogLevel::trace: spdlog::set_level(spdlog::level::trace); break;
    case LogLevel::debug: spdlog::set_level(spdlog::level::debug); break;
    case LogLevel::info: spdlog::set_level(spdlog::level::info); break;
    case LogLevel::warn: spdlog::set_level(spdlog::level::warn); break;
    case LogLevel::error: spdlog::set_level(spdlog::level::err); break;
  }
}

}  // namespace kda::cli
