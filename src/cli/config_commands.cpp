#include "cli/commands.hpp"
#include "koodrive_audit/store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <iostream>

namespace kda::cli {

std::optional<Config> load_config_or_report(const std::filesystem::path& path) {
  try {
    Config config = load_config(path);
    for (const std::string& warning : config.warnings) std::cerr << "warning: " << warning << '\n';
    return config;
  } catch (const ConfigError& error) {
    for (const ConfigDiagnostic& diagnostic : error.diagnostics()) {
      std::cerr << diagnostic.to_string() << '\n';
    }
    return std::nullopt;
  }
}

void create_database_directory(const std::filesystem::path& database) {
  const std::filesystem::path folder = database.parent_path();
  if (folder.empty() || std::filesystem::is_directory(folder)) return;
  create_database_directory(folder);
  if (::mkdir(folder.c_str(), 0750) != 0 && errno != EEXIST) {
    throw std::filesystem::filesystem_error("cannot create the database folder", folder,
                                            std::error_code(errno, std::generic_category()));
  }
}

int run_check_config(const std::filesystem::path& config_path) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  std::cout << render_config(*config);
  return exit_ok;
}

int run_migrate(const std::filesystem::path& config_path) {
  const std::optional<Config> config = load_config_or_report(config_path);
  if (!config) return exit_config;
  try {
    create_database_directory(config->database.path);
    Store store = Store::open(config->database.path);
    const MigrationReport report = store.migrate();
    if (report.from_version == report.to_version) {
      std::cout << "migrate.current path=" << config->database.path.string()
                << " version=" << report.to_version << '\n';
    } else {
      std::cout << "migrate.applied path=" << config->database.path.string()
                << " from=" << report.from_version << " to=" << report.to_version << '\n';
    }
    return exit_ok;
  } catch (const std::exception& error) {
    std::cerr << "migrate.failed path=" << config->database.path.string() << " error=\""
              << error.what() << "\"\n";
    return exit_failure;
  }
}

}  // namespace kda::cli
