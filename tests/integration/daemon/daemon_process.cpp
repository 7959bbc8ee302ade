#include "daemon_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/wait.hpp"

namespace kda::test {

DaemonProcess::DaemonProcess(std::vector<std::string> args, std::filesystem::path log_file,
                             std::map<std::string, std::string> environment)
    : log_file_(std::move(log_file)) {
  const int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_file_.string());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"}) {
      ::unsetenv(name);
    }
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    std::string binary = KDA_CLI_BINARY;
    std::vector<char*> argv{binary.data()};
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
}

DaemonProcess::~DaemonProcess() {
  if (exit_code_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

void DaemonProcess::signal(int number) const {
  if (!exit_code_) ::kill(pid_, number);
}

std::optional<int> DaemonProcess::wait_exit(std::chrono::milliseconds deadline) {
  if (exit_code_) return exit_code_;
  wait_until(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      },
      deadline);
  return exit_code_;
}

std::string DaemonProcess::log() const {
  std::ifstream in(log_file_);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t DaemonProcess::count(std::string_view needle) const {
  const std::string text = log();
  std::size_t found = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++found;
  }
  return found;
}

bool DaemonProcess::wait_for(std::string_view needle, std::chrono::milliseconds deadline,
                             std::size_t times) const {
  return wait_until([&] { return count(needle) >= times; }, deadline,
                    std::chrono::milliseconds(20));
}

}  // namespace kda::test
