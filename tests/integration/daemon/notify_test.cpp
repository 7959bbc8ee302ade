// The systemd notification protocol seen from the manager's side: a datagram socket set as
// NOTIFY_SOCKET receives READY=1, STATUS=, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 and
// STOPPING=1, in the order the daemon's life gives them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "daemon_fixture.hpp"
#include "support/wait.hpp"

namespace kda::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A bound AF_UNIX datagram socket; receive() collects what arrived so far without blocking.
class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind " + path_.string());
    }
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Every datagram so far, in arrival order.
  const std::vector<std::string>& messages() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      messages_.emplace_back(buffer, static_cast<std::size_t>(n));
    }
    return messages_;
  }
  // Index of the first message at or after `from` containing `needle`, or -1.
  int find(std::string_view needle, int from = 0) {
    const auto& all = messages();
    for (std::size_t i = static_cast<std::size_t>(from); i < all.size(); ++i) {
      if (all[i].find(needle) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
  }
  std::size_t count(std::string_view needle) {
    std::size_t n = 0;
    for (const std::string& message : messages()) {
      if (message.find(needle) != std::string::npos) ++n;
    }
    return n;
  }
  std::string dump() {
    std::string all;
    for (const std::string& message : messages()) all += "[" + message + "] ";
    return all;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

TEST_F(DaemonTest, NotifySocketReceivesReadyWatchdogReloadingAndStopping) {
  write_config();
  NotifySocket manager(dir_ / "notify.sock");
  auto daemon = start({{"NOTIFY_SOCKET", manager.path().string()}, {"WATCHDOG_USEC", "200000"}});

  ASSERT_TRUE(wait_until([&] { return manager.find("READY=1") >= 0; }, 15s)) << daemon->log();
  ASSERT_TRUE(wait_until([&] { return manager.find("STATUS=last poll") >= 0; }, 15s))
      << manager.dump();
  EXPECT_THAT(manager.messages()[static_cast<std::size_t>(manager.find("STATUS=last poll"))],
              HasSubstr("ok: 1 account, 0 events"));
  // Pings at half of WATCHDOG_USEC: several within a second or two.
  ASSERT_TRUE(wait_until([&] { return manager.count("WATCHDOG=1") >= 3; }, 15s)) << manager.dump();

  daemon->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return manager.find("RELOADING=1") >= 0; }, 15s)) << manager.dump();
  const int reloading = manager.find("RELOADING=1");
  EXPECT_THAT(manager.messages()[static_cast<std::size_t>(reloading)],
              HasSubstr("MONOTONIC_USEC="));
  ASSERT_TRUE(wait_until([&] { return manager.find("READY=1", reloading + 1) >= 0; }, 15s))
      << manager.dump();

  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(15s), 0) << daemon->log();
  const int stopping = manager.find("STOPPING=1");
  ASSERT_GE(stopping, 0) << manager.dump();
  EXPECT_GT(stopping, manager.find("READY=1")) << "STOPPING=1 comes after READY=1";
}

TEST_F(DaemonTest, WithoutAWatchdogNoPingsAreSent) {
  write_config();
  NotifySocket manager(dir_ / "notify.sock");
  auto daemon = start({{"NOTIFY_SOCKET", manager.path().string()}});
  ASSERT_TRUE(wait_until([&] { return manager.find("STATUS=last poll") >= 0; }, 15s))
      << manager.dump();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(15s), 0);
  EXPECT_GE(manager.find("STOPPING=1"), 0);
  EXPECT_EQ(manager.count("WATCHDOG=1"), 0u) << manager.dump();
}

}  // namespace
}  // namespace kda::test
