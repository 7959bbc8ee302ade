#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>

#include "cli/commands.hpp"
#include "cli/read_store.hpp"
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

// A private temporary folder, removed with what is in it when it goes.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "koodrive-audit-dry-run.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::filesystem::filesystem_error("cannot create a scratch folder for the dry run",
                                              pattern, std::error_code(errno, std::generic_category()));
    }
    path_ = pattern;
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

// A dry run writes nothing where the daemon keeps its history: an existing database is opened
// as the read-only commands open it (read-only, and only with this binary's schema, since
// upgrading it would be a change; otherwise one line on stderr says why and what to do); without
// a database yet, the poll diffs against an empty one in a scratch folder, so that everything
// is a first sighting, as it would be for real.
std::optional<Store> open_for_dry_run(const std::filesystem::path& database,
                                      std::optional<ScratchFolder>& scratch) {
  if (std::filesystem::exists(database)) {
    return open_store_for_reading(database, "poll --dry-run", std::cerr);
  }
  scratch.emplace();
  Store store = Store::open(scratch->path() / "audit.db");
  store.migrate();
  spdlog::info("poll.dry_run database={} absent=true (diffed against an empty one; nothing "
               "is created)",
               database.string());
  return store;
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

  std::optional<ScratchFolder> scratch;  // outlives the store, which closes first
  std::optional<Store> opened;
  if (dry_run) {
    opened = open_for_dry_run(config->database.path, scratch);
    if (!opened) return exit_failure;
  } else {
    create_database_directory(config->database.path);
    opened = Store::open(config->database.path);
    opened->migrate();
  }
  Store& store = *opened;

  asio::io_context io;
  std::future<int> result = asio::co_spawn(io, poll_all(*config, store, dry_run), asio::use_future);
  io.run();
  return result.get();
}

void configure_logging(const Config& config) { daemon::configure_logging(config.log.level); }

}  // namespace kda::cli
