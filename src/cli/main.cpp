// koodrive-audit: arguments → the subcommand; nothing else lives here.
#include "cli/commands.hpp"
#include "koodrive_audit/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"koodrive-audit: audits KooDrive backup configuration and alerts on changes"};
  app.set_version_flag("--version", std::string{kda::version()});
  app.require_subcommand(1);

  std::string config_path = "/etc/koodrive-audit/config.yaml";
  app.add_option("--config", config_path, "Configuration file")
      ->capture_default_str()
      ->envname("KOODRIVE_AUDIT_CONFIG");

  CLI::App* check_config =
      app.add_subcommand("check-config", "Validate the config and print it, secrets masked");
  CLI::App* migrate = app.add_subcommand("migrate", "Create or upgrade the database, then exit");
  CLI::App* fetch = app.add_subcommand(
      "fetch", "Fetch one account's devices and scopes once and print them as JSON; stores nothing "
               "(exit 0 all fetched, 2 some (device, module) pairs failed, 1 device list failed)");
  std::optional<std::string> account;
  fetch->add_option("--account", account, "user_id or name of the account (default: the first)");
  CLI::App* poll = app.add_subcommand(
      "poll", "Poll every account, record the changes and deliver them to the sinks "
              "(exit 0 ok, 2 partial, 1 failed)");
  bool once = false;
  bool dry_run = false;
  poll->add_flag("--once", once, "One poll of every account, then exit")
      ->required();
  poll->add_flag("--dry-run", dry_run,
                 "Print the changes it would record; write nothing (an existing database is only "
                 "read, and must not need migrate)");
  CLI::App* daemon = app.add_subcommand(
      "daemon", "Run as a service: poll on the schedule, deliver events, until SIGTERM "
                "(SIGHUP reloads the config, SIGUSR1 polls now)");
  CLI::App* history = app.add_subcommand("history", "Print the recorded events, oldest first");
  kda::cli::HistoryOptions history_options;
  history->add_option("--since", history_options.since,
                      "Only events observed at or after: 2026-11-23, 2026-11-23T08:00:00Z, 24h, 7d");
  history->add_option("--device", history_options.device, "Only events of this device_id");
  history->add_option("--type", history_options.type, "Only events of this type (scope.removed, …)");
  history->add_flag("--json", history_options.json,
                    "One event JSON object per line (exit 0, also when nothing matches)");
  CLI::App* status = app.add_subcommand(
      "status", "Show per account the last polls and failing (device, module) pairs, and each "
                "sink's backlog (exit 0 healthy; 2 an account needs attention: never polled, last "
                "poll partial or failed, or none for twice poll.interval; 1 no database)");
  bool status_json = false;
  status->add_flag("--json", status_json, "One JSON document");
  CLI::App* verify = app.add_subcommand(
      "verify", "Check the hash chains of events and baselines, replay them and compare the "
                "result with the live devices and scopes (read-only; exit 0 all match, 1 a "
                "problem: each is printed, naming the first bad seq)");
  CLI::App* prune = app.add_subcommand(
      "prune", "Delete now what database.retention lets go, as the daemon does daily, and give "
               "the space back (exit 0 done or nothing to do, 1 no database or the prune failed)");
  bool prune_dry_run = false;
  prune->add_flag("--dry-run", prune_dry_run, "Count what would be deleted; change nothing");
  for (CLI::App* sub :
       {check_config, migrate, fetch, poll, daemon, history, status, verify, prune}) {
    sub->add_option("--config", config_path, "Configuration file")->capture_default_str();
  }

  CLI11_PARSE(app, argc, argv);

  try {
    if (*check_config) return kda::cli::run_check_config(config_path);
    if (*migrate) return kda::cli::run_migrate(config_path);
    if (*fetch) return kda::cli::run_fetch(config_path, account);
    if (*poll) return kda::cli::run_poll_once(config_path, dry_run);
    if (*daemon) return kda::cli::run_daemon(config_path);
    if (*history) return kda::cli::run_history(config_path, history_options);
    if (*status) return kda::cli::run_status(config_path, status_json);
    if (*verify) return kda::cli::run_verify(config_path);
    if (*prune) return kda::cli::run_prune(config_path, prune_dry_run);
  } catch (const std::exception& error) {
    std::cerr << "koodrive-audit: " << error.what() << '\n';
    return kda::cli::exit_failure;
  }
  return kda::cli::exit_failure;
}
