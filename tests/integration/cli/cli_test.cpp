// The koodrive-audit binary as an operator runs it: exit codes, messages, files it creates.
#include "run_command.hpp"
#include "support/sim_process.hpp"
#include "support/test_ca.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path source_dir{KDA_SOURCE_DIR};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kda-cli-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "token") << "cli-test-token-0123456789";
    fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_config(const std::string& base_url, const std::string& extra = {}) {
    const fs::path path = dir_ / "config.yaml";
    std::ofstream(path) << "api:\n  base_url: " << base_url
                        << "\n  timeout: 2s\n  retry: {attempts: 1}\n"
                           "auth: {mode: token, token_file: token}\n"
                           "accounts: [{user_id: \"1505084218764547200\", name: cli}]\n"
                           "database: {path: db/audit.db}\n"
                        << extra;
    return path;
  }

  fs::path dir_;
};

TEST_F(Cli, VersionPrintsTheProjectVersion) {
  const CommandResult result = run_cli({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr(KDA_VERSION));
}

TEST_F(Cli, CheckConfigPrintsTheDemoConfigWithTheSecretMasked) {
  const fs::path demo = source_dir / "config" / "demo.yaml";
  const CommandResult result = run_cli({"check-config", "--config", demo.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("app_secret: \"***\""));
  const std::string secret = read_file(source_dir / "config" / "demo" / "app-secret");
  ASSERT_FALSE(secret.empty());
  EXPECT_THAT(result.out, Not(HasSubstr(secret)));
  EXPECT_THAT(result.err, Not(HasSubstr(secret)));
}

TEST_F(Cli, UnknownKeyExits78NamingLineAndColumn) {
  const fs::path config = dir_ / "broken.yaml";
  std::ofstream(config) << "api:\n  base_url: https://intl.myhuaweicloud-koodrive.com\n"
                           "  max_concurency: 16\n"
                           "auth: {mode: token, token_file: token}\n"
                           "accounts: [{user_id: \"1505084218764547200\"}]\n";
  const CommandResult result = run_cli({"check-config", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 78);
  EXPECT_EQ(result.err, config.string() +
                            ":3:3: api.max_concurency: unknown key 'max_concurency'; did you mean "
                            "'max_concurrency'?\n");
  EXPECT_EQ(result.out, "");
}

TEST_F(Cli, MissingConfigFileExits78) {
  const CommandResult result =
      run_cli({"check-config", "--config", (dir_ / "absent.yaml").string()});
  EXPECT_EQ(result.exit_code, 78);
  EXPECT_THAT(result.err, HasSubstr("absent.yaml"));
}

TEST_F(Cli, MigrateCreatesExactlyTheDesignedTablesAndViewsAndIsIdempotent) {
  const fs::path config = write_config("http://127.0.0.1:1");
  CommandResult result = run_cli({"migrate", "--config", config.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("migrate.applied"));

  SQLite::Database db((dir_ / "db" / "audit.db").string());
  std::set<std::string> names;
  SQLite::Statement query(db,
                          "SELECT type || ':' || name FROM sqlite_master WHERE type IN "
                          "('table','view') AND name NOT LIKE 'sqlite_%'");
  while (query.executeStep()) names.insert(query.getColumn(0).getString());
  EXPECT_EQ(names, (std::set<std::string>{"table:accounts", "table:devices", "table:scopes",
                                          "table:events", "table:polls", "table:fetch_status",
                                          "table:sink_cursors", "table:baselines",
                                          "table:chain_origin", "table:retention_checkpoint",
                                          "table:retention_state", "table:retention_announced",
                                          "view:current_scopes",
                                          "view:scope_history", "view:current_fetch_status"}));

  result = run_cli({"migrate", "--config", config.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("migrate.current"));
}

TEST_F(Cli, FetchPrintsTheObservationAndExitsByOutcome) {
  SimProcess sim({"--listen", "127.0.0.1:0", "--devices", "2", "--scopes-per-module", "1",
                  "--token", "cli-test-token-0123456789"});
  const fs::path config = write_config(sim.base_url());

  CommandResult result = run_cli({"fetch", "--config", config.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"failures\":[]"));
  EXPECT_THAT(result.out, Not(HasSubstr("cli-test-token-0123456789")));

  // One (device, module) pair failing permanently: partial, exit 2.
  ASSERT_EQ(sim.control("POST", "/_sim/faults",
                        R"({"kind":"api_code","code":13000102,"http_status":400,"count":1,"endpoint":"scopes"})")
                .status,
            200);
  result = run_cli({"fetch", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 2) << result.out;
  EXPECT_THAT(result.out, HasSubstr("13000102"));

  // The device list failing: exit 1.
  ASSERT_EQ(sim.control("POST", "/_sim/faults",
                        R"({"kind":"api_code","code":13000102,"http_status":400,"count":1,"endpoint":"devices"})")
                .status,
            200);
  result = run_cli({"fetch", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 1) << result.out;
}

TEST_F(Cli, FetchWithAWrongTokenSaysAuthenticationFailed) {
  SimProcess sim({"--listen", "127.0.0.1:0", "--devices", "1", "--token", "another-token"});
  const fs::path config = write_config(sim.base_url());
  const CommandResult result = run_cli({"fetch", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("authentication"));
}

TEST_F(Cli, FetchInAppModeOverTlsTrustsOnlyTheConfiguredCa) {
  const TestCertificates certs = make_test_certificates(dir_.string());
  const std::string app_id(64, 'a');
  std::ofstream(dir_ / "app-secret") << "cli-test-app-secret";
  SimProcess sim({"--listen", "127.0.0.1:0", "--devices", "2", "--scopes-per-module", "1",
                  "--app-id", app_id, "--app-secret", "cli-test-app-secret", "--tls-cert",
                  certs.cert_file, "--tls-key", certs.key_file},
                 SimProcess::Options{.tls_ca_file = certs.ca_file});
  ASSERT_TRUE(sim.tls());
  const fs::path config = dir_ / "app.yaml";
  auto write = [&](const std::string& ca_line) {
    std::ofstream(config) << "api:\n  base_url: " << sim.base_url() << "\n" << ca_line
                          << "  timeout: 2s\n  retry: {attempts: 1}\n"
                             "auth: {mode: app, app_id: \"" << app_id
                          << "\", app_secret_file: app-secret}\n"
                             "accounts: [{user_id: \"1505084218764547200\"}]\n";
  };

  write("  ca_file: " + certs.ca_file + "\n");
  CommandResult result = run_cli({"fetch", "--config", config.string()});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"failures\":[]"));
  EXPECT_THAT(result.out, Not(HasSubstr("cli-test-app-secret")));

  // The system trust store does not know the test CA: the device list fails, nothing falls back.
  write("");
  result = run_cli({"fetch", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("device_list_error"));
}

}  // namespace
}  // namespace kda::test
