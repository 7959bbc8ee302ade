#include "alertmanager_process.hpp"

#include "support/http_exchange.hpp"
#include "support/wait.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace kda::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* binary_name = "prometheus-alertmanager";

// Routes every alert to a receiver that notifies nobody: the test reads alerts back from the API.
constexpr const char* config_text = R"(route:
  receiver: "null"
receivers:
  - name: "null"
)";

std::string tail(const std::string& text, std::size_t bytes = 2000) {
  return text.size() <= bytes ? text : "…" + text.substr(text.size() - bytes);
}

}  // namespace

std::string AlertmanagerProcess::binary() {
  if (const char* chosen = std::getenv("KDA_ALERTMANAGER_BINARY"); chosen && *chosen) {
    if (::access(chosen, X_OK) == 0) return chosen;
    throw std::runtime_error(std::string("KDA_ALERTMANAGER_BINARY=") + chosen +
                             " is not an executable; unset it to use prometheus-alertmanager "
                             "from PATH (scripts/setup installs it)");
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / binary_name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  throw std::runtime_error(
      "prometheus-alertmanager is not installed (not on PATH): these tests run a real "
      "Alertmanager. scripts/setup installs it (apt-get install prometheus-alertmanager); CI "
      "installs it. Or set KDA_ALERTMANAGER_BINARY to an alertmanager binary.");
}

std::uint16_t AlertmanagerProcess::free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

AlertmanagerProcess::AlertmanagerProcess(fs::path dir) : dir_(std::move(dir)) {
  binary();  // fail here, with the setup hint, rather than at the first start()
  fs::create_directories(dir_ / "data");
  std::ofstream(dir_ / "alertmanager.yml") << config_text;
  port_ = free_port();
}

AlertmanagerProcess::~AlertmanagerProcess() { stop(); }

std::string AlertmanagerProcess::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void AlertmanagerProcess::spawn() {
  std::vector<std::string> args{
      binary(),
      "--config.file=" + (dir_ / "alertmanager.yml").string(),
      "--storage.path=" + (dir_ / "data").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
      // Empty: no cluster listener (its default would bind 0.0.0.0:9094).
      "--cluster.listen-address=",
  };
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log_path = (dir_ / "alertmanager.log").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(spawned));
  }
}

std::optional<int> AlertmanagerProcess::reap() {
  if (pid_ <= 0) return 0;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == 0) return std::nullopt;
  pid_ = -1;
  if (done < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool AlertmanagerProcess::running() { return pid_ > 0 && !reap(); }

void AlertmanagerProcess::start(std::chrono::milliseconds ready_deadline, bool may_move) {
  if (running()) return;
  for (int attempt = 1;; ++attempt) {
    const std::size_t log_before = log().size();
    spawn();
    std::optional<int> exited;
    const bool ready = wait_until(
        [&] {
          if ((exited = reap())) return true;
          try {
            const HttpReply reply =
                http_exchange(HttpPeer{"127.0.0.1", port_, {}, {}}, "GET", "/-/ready", {}, {}, 1s);
            return reply.status == 200;
          } catch (const std::runtime_error&) {
            return false;  // not listening yet
          }
        },
        ready_deadline, 20ms);
    if (ready && !exited) return;
    const std::string said = log().substr(log_before);
    if (exited && may_move && attempt < 3 &&
        said.find("address already in use") != std::string::npos) {
      port_ = free_port();  // someone took our port between free_port() and the bind
      continue;
    }
    stop();
    throw std::runtime_error("Alertmanager on " + url() +
                             (exited ? " exited with status " + std::to_string(*exited)
                                     : std::string(" was not ready in time")) +
                             "; its log:\n" + tail(said));
  }
}

void AlertmanagerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!wait_until([this] { return reap().has_value(); }, 10s, 10ms)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

boost::json::array AlertmanagerProcess::alerts() const {
  const HttpReply reply =
      http_exchange(HttpPeer{"127.0.0.1", port_, {}, {}}, "GET", "/api/v2/alerts", {}, {}, 5s);
  if (reply.status != 200) {
    throw std::runtime_error("GET " + url() + "/api/v2/alerts: HTTP " +
                             std::to_string(reply.status) + ": " + reply.body);
  }
  return boost::json::parse(reply.body).as_array();
}

std::string AlertmanagerProcess::log() const {
  std::ifstream in(dir_ / "alertmanager.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace kda::test
