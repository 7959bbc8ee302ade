#pragma once
// The subcommands of koodrive-audit. Each returns the process exit code; each reports its own
// errors on stderr. Configuration errors exit with exit_config (78, EX_CONFIG).
#include "koodrive_audit/config.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace kda::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_partial = 2;
inline constexpr int exit_config = 78;

// Loads the config, printing every diagnostic and warning; nullopt after printing errors.
std::optional<Config> load_config_or_report(const std::filesystem::path& path);

// Creates the missing folders above `database` with mode 0750 (less the umask), like the unit's
// StateDirectoryMode: the database is 0640, and a folder others could write would let them
// swap it. Existing folders are left as they are. Throws std::filesystem::filesystem_error.
void create_database_directory(const std::filesystem::path& database);

int run_check_config(const std::filesystem::path& config_path);
int run_migrate(const std::filesystem::path& config_path);
int run_fetch(const std::filesystem::path& config_path, const std::optional<std::string>& account);
int run_poll_once(const std::filesystem::path& config_path, bool dry_run);
// The service: polls on the schedule until SIGTERM/SIGINT (exit 0); see daemon/daemon.hpp.
int run_daemon(const std::filesystem::path& config_path);

// `history`: events, oldest first, as an aligned table or (json) one event JSON per line.
struct HistoryOptions {
  std::optional<std::string> since;      // ISO-8601 instant, a date, or an age like "24h", "7d"
  std::optional<std::string> device;     // device_id
  std::optional<std::string> type;       // event type, e.g. "scope.removed"
  bool json = false;
};
int run_history(const std::filesystem::path& config_path, const HistoryOptions& options);
// `status`: per account the last polls and failing (device, module) pairs; each sink's backlog.
int run_status(const std::filesystem::path& config_path, bool json);
// `verify`: checks the hash chains and replays the history against the live snapshot (see
// Store::verify). Exit 0 when everything matches; 1 on any problem (each printed on stdout,
// the verdict on stderr) or when the database cannot be read at this binary's schema.
int run_verify(const std::filesystem::path& config_path);
// `prune`: the daemon's retention run, once, now: deletes what database.retention lets go and
// gives the freed pages back; with dry_run counts it and changes nothing. Exit 0 (also when
// retention is 0: nothing to do), 1 when the database is missing, not at this binary's schema,
// or the prune failed (a history that does not verify is never pruned).
int run_prune(const std::filesystem::path& config_path, bool dry_run);

// spdlog: "LEVEL event key=value…" on stderr, at the configured level.
void configure_logging(const Config& config);

}  // namespace kda::cli
