// File modes as an operator meets them: check-config and the daemon warn about a config file
// others can read or write (and about open secret files); the database folder, the database, its
// WAL and the JSONL file are created 0750 / 0640 even under umask 000.
#include "daemon_process.hpp"
#include "run_command.hpp"
#include "scratch_dir.hpp"
#include "support/sim_process.hpp"
#include "support/wait.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr fs::perms private_mode = fs::perms::owner_read | fs::perms::owner_write;
constexpr fs::perms world_readable = private_mode | fs::perms::group_read | fs::perms::others_read;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// Sets the umask for the scope; children started meanwhile inherit it.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  ~Umask() { ::umask(previous_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t previous_;
};

// A config that never polls (nothing listens on port 1): enough for check-config and a daemon
// start, stop and reload.
std::string idle_config() {
  return "api: {base_url: \"http://127.0.0.1:1\", timeout: 1s}\n"
         "auth: {mode: token, token_file: token}\n"
         "accounts: [{user_id: \"1505084218764547200\"}]\n"
         "database: {path: audit.db}\n"
         "poll: {interval: 1h, run_on_start: false}\n"
         "metrics: {listen: \"127.0.0.1:0\"}\n";
}

TEST(FileModes, CheckConfigWarnsAboutAConfigOthersCanReadOrWrite) {
  ScratchDir dir;
  dir.write("token", "file-mode-test-token");
  const fs::path config = dir.write("config.yaml", idle_config(), world_readable);
  CommandResult result = run_cli({"check-config", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;  // a warning, not an error
  EXPECT_THAT(result.err, HasSubstr("warning: " + config.string() + ":1:1: config file " + config.string() +
                                    " is readable by others (mode 0644); chmod o-rwx,g-w " + config.string() +
                                    "\n"));

  fs::permissions(config, private_mode | fs::perms::group_read | fs::perms::group_write);
  result = run_cli({"check-config", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr(" is writable by group (mode 0660)"));

  fs::permissions(config, private_mode | fs::perms::group_read);
  result = run_cli({"check-config", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

TEST(FileModes, CheckConfigWarnsAboutASecretFileOthersCanRead) {
  ScratchDir dir;
  const fs::path token = dir.write("token", "file-mode-test-token", world_readable);
  const fs::path config = dir.write("config.yaml", idle_config());
  const CommandResult result = run_cli({"check-config", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("warning: " + config.string() + ":2:33: auth.token_file: secret file " +
                                    token.string() + " is readable by group or others (mode 0644); chmod 600 " +
                                    token.string() + "\n"));
  EXPECT_THAT(result.out, Not(HasSubstr("file-mode-test-token")));
}

TEST(FileModes, TheDaemonWarnsAtStartAndOnReload) {
  ScratchDir dir;
  dir.write("token", "file-mode-test-token");
  const fs::path config = dir.write("config.yaml", idle_config(), world_readable);
  DaemonProcess daemon({"daemon", "--config", config.string()}, dir / "daemon.log");
  ASSERT_TRUE(daemon.wait_for("daemon.ready", 10s)) << daemon.log();
  EXPECT_THAT(daemon.log(), HasSubstr("warning: " + config.string() + ":1:1: config file " + config.string() +
                                      " is readable by others (mode 0644)"));
  fs::permissions(config, private_mode | fs::perms::others_write);
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for("reload.applied", 10s)) << daemon.log();
  EXPECT_THAT(daemon.log(), HasSubstr("config.warning " + config.string() + ":1:1: config file " +
                                      config.string() + " is writable by others (mode 0602)"));
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), 0) << daemon.log();
}

TEST(FileModes, DatabaseWalAndJsonlAreCreated0640UnderUmask000) {
  ScratchDir dir;
  dir.write("token", "file-mode-test-token");
  SimProcess sim({"--listen", "127.0.0.1:0", "--devices", "2", "--scopes-per-module", "1", "--token",
                  "file-mode-test-token"});
  // baseline: emit, so that the first poll has events and the JSONL file is written.
  const fs::path config = dir.write(
      "config.yaml", "api: {base_url: \"" + sim.base_url() + "\", timeout: 2s, retry: {attempts: 1}}\n" +
                         "auth: {mode: token, token_file: token}\n"
                         "accounts: [{user_id: \"1505084218764547200\"}]\n"
                         "database: {path: state/deeper/audit.db}\n"
                         "poll: {interval: 1h}\n"
                         "metrics: {listen: \"127.0.0.1:0\"}\n"
                         "events:\n  baseline: emit\n  sinks:\n    - {type: jsonl, path: events.jsonl}\n");
  const fs::path db = dir / "state" / "deeper" / "audit.db";
  const fs::path jsonl = dir / "events.jsonl";
  std::unique_ptr<DaemonProcess> daemon;
  {
    const Umask umask(0);  // the daemon inherits it
    daemon = std::make_unique<DaemonProcess>(std::vector<std::string>{"daemon", "--config", config.string()},
                                             dir / "daemon.log");
  }
  // The daemon holds the database open, so its -wal and -shm files exist while it runs.
  ASSERT_TRUE(daemon->wait_for("poll.finished", 10s)) << daemon->log();
  ASSERT_TRUE(wait_until([&] { return fs::exists(jsonl) && fs::file_size(jsonl) > 0; }, 10s)) << daemon->log();
  EXPECT_EQ(mode_of(dir / "state"), 0750u);
  EXPECT_EQ(mode_of(dir / "state" / "deeper"), 0750u);
  EXPECT_EQ(mode_of(db), 0640u);
  EXPECT_EQ(mode_of(db.string() + "-wal"), 0640u);
  EXPECT_EQ(mode_of(db.string() + "-shm"), 0640u);
  EXPECT_EQ(mode_of(jsonl), 0640u);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->log();
}

}  // namespace
}  // namespace kda::test
