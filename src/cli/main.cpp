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
  poll->add_flag("--once", once, "One poll, then exit (required until the daemon exists)")
      ->required();
  poll->add_flag("--dry-run", dry_run, "Print the changes it would record; commit nothing");
  for (CLI::App* sub : {check_config, migrate, fetch, poll}) {
    sub->add_option("--config", config_path, "Configuration file")->capture_default_str();
  }

  CLI11_PARSE(app, argc, argv);

  try {
    if (*check_config) return kda::cli::run_check_config(config_path);
    if (*migrate) return kda::cli::run_migrate(config_path);
    if (*fetch) return kda::cli::run_fetch(config_path, account);
    if (*poll) return kda::cli::run_poll_once(config_path, dry_run);
  } catch (const std::exception& error) {
    std::cerr << "koodrive-audit: " << error.what() << '\n';
    return kda::cli::exit_failure;
  }
  return kda::cli::exit_failure;
}
