#include "support/sim_process.hpp"

#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

extern char** environ;

#ifndef KDA_SIM_BINARY
#error "KDA_SIM_BINARY must name the built koodrive-sim (tests/support/CMakeLists.txt sets it)"
#endif

namespace kda::test {

namespace {

using namespace std::chrono;

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : " ") + part;
  return out;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for the child until `deadline`; its exit code, or nullopt if it is still running.
std::optional<int> reap(pid_t pid, steady_clock::time_point deadline) {
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return exit_code_of(status);
    if (done < 0 && errno != EINTR) return -1;
    if (steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(2));
  }
}

}  // namespace

std::string SimProcess::binary() { return KDA_SIM_BINARY; }

SimProcess::SimProcess(std::vector<std::string> args) : SimProcess(std::move(args), Options{}) {}

SimProcess::SimProcess(std::vector<std::string> args, Options options)
    : options_(std::move(options)) {
  tls_ = std::find(args.begin(), args.end(), "--tls-cert") != args.end();
  args.insert(args.begin(), binary());
  const std::string command = join(args);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe for " + command + ": " + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  stdout_fd_ = fds[0];
  if (spawned != 0) {
    ::close(stdout_fd_);
    pid_ = -1;
    throw std::runtime_error("cannot start " + command + ": " + std::strerror(spawned));
  }
  try {
    read_listening_line(command);
  } catch (...) {
    stop();
    ::close(stdout_fd_);
    throw;
  }
}

void SimProcess::read_listening_line(const std::string& command) {
  const auto deadline = steady_clock::now() + options_.start_timeout;
  std::string line;
  while (line.find('\n') == std::string::npos) {
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    if (left <= 0)
      throw std::runtime_error(command + ": no \"listening on\" line within " +
                               std::to_string(options_.start_timeout.count()) + " ms");
    pollfd watch{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&watch, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[256];
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto code = reap(pid_, steady_clock::now() + seconds(2));
      if (code) pid_ = -1;
      throw std::runtime_error(command + ": exited before listening" +
                               (code ? " (exit code " + std::to_string(*code) + ")" : ""));
    }
    line.append(chunk, static_cast<std::size_t>(n));
  }
  line.resize(line.find('\n'));
  constexpr std::string_view prefix = "listening on ";
  const auto colon = line.rfind(':');
  if (!line.starts_with(prefix) || colon == std::string::npos)
    throw std::runtime_error(command + ": unexpected first line \"" + line + "\"");
  host_ = line.substr(prefix.size(), colon - prefix.size());
  if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
  port_ = static_cast<std::uint16_t>(std::stoul(line.substr(colon + 1)));
}

SimProcess::~SimProcess() {
  stop();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

int SimProcess::stop() {
  if (pid_ <= 0) return exit_code_;
  ::kill(pid_, SIGTERM);
  auto code = reap(pid_, steady_clock::now() + options_.stop_timeout);
  if (!code) {
    ::kill(pid_, SIGKILL);
    code = reap(pid_, steady_clock::now() + seconds(10));
  }
  pid_ = -1;
  exit_code_ = code.value_or(-1);
  return exit_code_;
}

std::string SimProcess::host_header() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

std::string SimProcess::base_url() const {
  return std::string(tls_ ? "https://" : "http://") + host_header();
}

HttpPeer SimProcess::peer() const { return HttpPeer{host_, port_, options_.tls_ca_file, {}}; }

HttpReply SimProcess::control(std::string_view method, std::string_view target,
                              std::string_view json_body) const {
  return http_exchange(peer(), method, target, {}, json_body);
}

boost::json::value SimProcess::counters() const {
  const auto reply = control("GET", "/_sim/counters");
  if (reply.status != 200)
    throw std::runtime_error("GET /_sim/counters: HTTP " + std::to_string(reply.status));
  return boost::json::parse(reply.body);
}

HttpReply SimProcess::request(std::string_view method, std::string_view target,
                              const HttpHeaders& headers, std::string_view body,
                              std::chrono::milliseconds timeout) const {
  return http_exchange(peer(), method, target, headers, body, timeout);
}

}  // namespace kda::test
