#include "koodrive_audit/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"koodrive-audit: audits KooDrive backup configuration"};
  app.set_version_flag("--version", std::string{kda::version()});
  CLI11_PARSE(app, argc, argv);
  return 0;
}
