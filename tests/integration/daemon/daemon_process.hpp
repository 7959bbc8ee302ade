#pragma once
// `koodrive-audit daemon` as a child process for integration tests: started with extra
// environment variables, stdout and stderr appended to a log file the test reads, signalled,
// and waited for with a deadline. The destructor SIGKILLs a daemon still running, so a failed
// assertion never leaves a process behind.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::test {

class DaemonProcess {
 public:
  // Runs KDA_CLI_BINARY with `args`. NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID and
  // JOURNAL_STREAM are cleared unless `environment` sets them.
  DaemonProcess(std::vector<std::string> args, std::filesystem::path log_file,
                std::map<std::string, std::string> environment = {});
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  void signal(int number) const;
  // The exit code (128 + signal when killed by one), or nullopt if still running at the deadline.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline);
  // Everything the daemon printed so far.
  std::string log() const;
  // How often `needle` occurs in the log.
  std::size_t count(std::string_view needle) const;
  // Waits until `needle` occurs at least `times` times; false at the deadline.
  bool wait_for(std::string_view needle, std::chrono::milliseconds deadline,
                std::size_t times = 1) const;

 private:
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace kda::test
