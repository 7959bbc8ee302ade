#pragma once
// Runs the built koodrive-audit binary as a child process and captures what it printed.
#include <chrono>
#include <string>
#include <vector>

namespace kda::test {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs KDA_CLI_BINARY with `args`; kills it and fails the result (exit_code -1) after `timeout`.
CommandResult run_cli(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace kda::test
