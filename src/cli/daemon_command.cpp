#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include "cli/commands.hpp"
#include "daemon/daemon.hpp"
#include "daemon/systemd_notify.hpp"

namespace kda::cli {

namespace {

// After SIGTERM the daemon normally has nothing left to do within milliseconds (the client is
// stopped, sinks finish one batch). This bounds a sink stuck in a write, well inside
// systemd's TimeoutStopSec.
constexpr std::chrono::seconds stop_grace{10};

}  // namespace

int run_daemon(const std::filesystem::path& config_path) {
  std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  configure_logging(*config);

  create_database_directory(config->database.path);
  Store store = Store::open(config->database.path);
  const MigrationReport migration = store.migrate();
  if (migration.from_version != migration.to_version) {
    spdlog::info("migrate.applied path={} from={} to={}", config->database.path.string(),
                 migration.from_version, migration.to_version);
  }

  boost::asio::io_context io;
  SystemClock clock;
  daemon::SystemdNotifier notifier;
  daemon::Daemon service(io, std::move(*config), store, notifier, clock);
  if (Result<void> started = service.start(); !started) {
    spdlog::error("daemon.failed error=\"{}\"", started.error().message());
    return exit_config;
  }
  while (!io.stopped()) {
    io.run_for(std::chrono::milliseconds(250));
    if (service.stop_requested() &&
        std::chrono::steady_clock::now() - service.stop_requested_at() > stop_grace) {
      spdlog::warn("daemon.stop_forced after_s={} reason=\"work still pending\"",
                   stop_grace.count());
      break;
    }
  }
  spdlog::info("daemon.stopped polls={}", service.polls_completed());
  return exit_ok;
}

}  // namespace kda::cli
