#pragma once
// Runs a built binary (koodrive-audit by default) as a child process and captures what it
// printed.
#include <chrono>
#include <string>
#include <vector>

namespace kda::test {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs `binary` with `args`; kills it and fails the result (exit_code -1) after `timeout`.
CommandResult run_binary(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

// run_binary of KDA_CLI_BINARY, the built koodrive-audit.
CommandResult run_cli(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace kda::test
