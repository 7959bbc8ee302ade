// The config's security rules (issue #6, item 5): the config file's own mode is warned about,
// no key can turn TLS verification off, and every URL the daemon sends to is https:// unless it
// is loopback. (Secret files readable by group or others: config_valid_test.cpp,
// SecretFilesReadableByOthersOnlyWarn.)
#include "config_test_support.hpp"

#include <gmock/gmock.h>

namespace kda {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::string_view token_config =
    "api: {base_url: \"https://intl.myhuaweicloud-koodrive.com\"}\n"
    "auth: {mode: token, token_file: token}\n"
    "accounts: [{user_id: \"1505084218764547200\"}]\n";

// load_config of a config file written with `mode` (and a private token file beside it).
Config load_with_mode(const test::TempDir& dir, fs::perms mode) {
  dir.write("token", "a-token-value\n");
  const fs::path file = dir.write("config.yaml", token_config, mode);
  return load_config(file);
}

TEST(ConfigFileMode, PrivateOrGroupReadableIsQuiet) {
  test::TempDir dir;
  for (fs::perms mode : {fs::perms::owner_read | fs::perms::owner_write,
                         fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
                         fs::perms::owner_read | fs::perms::group_read}) {
    EXPECT_THAT(load_with_mode(dir, mode).warnings, IsEmpty());
  }
}

TEST(ConfigFileMode, ReadableByOthersOrWritableByGroupOrOthersWarns) {
  test::TempDir dir;
  const std::string file = (dir.path() / "config.yaml").string();
  const fs::perms rw = fs::perms::owner_read | fs::perms::owner_write;
  const struct {
    fs::perms mode;
    std::string what;
  } cases[] = {
      {rw | fs::perms::group_read | fs::perms::others_read, "readable by others (mode 0644)"},
      {rw | fs::perms::others_read, "readable by others (mode 0604)"},
      {rw | fs::perms::group_read | fs::perms::group_write, "writable by group (mode 0660)"},
      {rw | fs::perms::others_write, "writable by others (mode 0602)"},
      {rw | fs::perms::group_all | fs::perms::others_read | fs::perms::others_write,
       "readable by others and writable by group and others (mode 0676)"},
  };
  for (const auto& c : cases) {
    const Config config = load_with_mode(dir, c.mode);
    EXPECT_THAT(config.warnings, ElementsAre(file + ":1:1: config file " + file + " is " + c.what +
                                             "; chmod o-rwx,g-w " + file));
  }
}

TEST(ConfigFileMode, ComesFirstAndSecretFileWarningsStay) {
  test::TempDir dir;
  dir.write("token", "a-token-value\n", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  const fs::path file = dir.write("config.yaml", token_config,
                                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  const Config config = load_config(file);
  ASSERT_EQ(config.warnings.size(), 2u);
  EXPECT_THAT(config.warnings[0], HasSubstr(": config file " + file.string() + " is readable by others"));
  EXPECT_THAT(config.warnings[1], HasSubstr("auth.token_file: secret file "));
  EXPECT_THAT(config.warnings[1], HasSubstr(" is readable by group or others (mode 0604); chmod 600 "));
}

TEST(ConfigSecrets, ASecretWrittenInlineIsRefusedWithoutBeingRepeated) {
  const std::string value = "inline-secret-value-6d1f";
  const std::vector<std::string> errors = test::errors_of(
      "api: {base_url: \"https://intl.myhuaweicloud-koodrive.com\"}\n"
      "auth: {app_id: \"a378\", app_secret: \"" + value + "\", app_secret_file: app-secret}\n"
      "accounts:\n  - user_id: \"1\"\n    auth: {mode: token, token: \"" + value + "\", token_file: token}\n"
      "events: {sinks: [{type: webhook, url: \"https://hooks.example/k\", secret: \"" + value +
      "\", secret_file: webhook-secret, headers: {X-Key: \"" + value + "\\n\"}}]}\n");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_THAT(errors[0], HasSubstr("auth.app_secret: secrets are never written in the config; use "
                                   "'app_secret_file' or 'app_secret_env'"));
  EXPECT_THAT(errors[1], HasSubstr("accounts[0].auth.token: secrets are never written in the config"));
  EXPECT_THAT(errors[2], HasSubstr("events.sinks[0].secret: secrets are never written in the config"));
  EXPECT_THAT(errors[3], HasSubstr("events.sinks[0].headers"));
  for (const std::string& error : errors) EXPECT_THAT(error, Not(HasSubstr(value)));
}

TEST(ConfigTls, NoKeyTurnsVerificationOff) {
  // Whatever it is called, a key that would skip verification does not exist: it is unknown.
  for (std::string_view key : {"tls_verify: false", "verify: false", "insecure: true", "verify_tls: false",
                               "insecure_skip_verify: true", "ssl_verify: false", "tls: {verify: false}"}) {
    const std::vector<std::string> errors = test::errors_of(
        "api: {base_url: \"https://intl.myhuaweicloud-koodrive.com\", " + std::string(key) +
        "}\nauth: {app_id: \"a378\", app_secret_file: app-secret}\naccounts: [{user_id: \"1\"}]\n");
    ASSERT_EQ(errors.size(), 1u) << key;
    EXPECT_THAT(errors[0], HasSubstr(": api." + std::string(key.substr(0, key.find(':'))) + ": unknown key '"))
        << key;
  }
  // Nor in a sink.
  const std::vector<std::string> errors = test::errors_of(
      std::string(test::minimal) +
      "events: {sinks: [{type: webhook, url: \"https://hooks.example/k\", secret_file: webhook-secret, "
      "tls_verify: false}]}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("events.sinks[0].tls_verify: unknown key 'tls_verify'"));
}

TEST(ConfigTls, SinksSendOverHttpsUnlessTheHostIsLoopback) {
  const std::string refused =
      ": http:// is allowed only for loopback (127.0.0.1, ::1, localhost); use https://";
  const struct {
    std::string sink;
    std::string key;
  } remote[] = {
      {"{type: webhook, url: \"http://hooks.example/k\", secret_file: webhook-secret}", "events.sinks[0].url"},
      {"{type: webhook, url: \"http://10.0.0.8:8080/k?x=1\", secret_file: webhook-secret}", "events.sinks[0].url"},
      {"{type: alertmanager, url: \"http://am.example:9093\"}", "events.sinks[0].url"},
      {"{type: alertmanager, urls: [\"http://127.0.0.1:9093\", \"http://[fe80::1]:9093\"]}",
       "events.sinks[0].urls[1]"},
  };
  for (const auto& r : remote) {
    const std::vector<std::string> errors =
        test::errors_of(std::string(test::minimal) + "events: {sinks: [" + r.sink + "]}\n");
    ASSERT_EQ(errors.size(), 1u) << r.sink;
    EXPECT_THAT(errors[0], HasSubstr(r.key + refused)) << r.sink;
  }
  for (const std::string sink :
       {"{type: webhook, url: \"http://127.0.0.1:8080/k\", secret_file: webhook-secret}",
        "{type: webhook, url: \"http://localhost/k\", secret_file: webhook-secret}",
        "{type: webhook, url: \"https://hooks.example/k\", secret_file: webhook-secret}",
        "{type: alertmanager, urls: [\"http://[::1]:9093\", \"https://am.example:9093\"]}",
        // Only shown in an alert, never contacted: any http(s) URL.
        "{type: alertmanager, url: \"https://am.example\", generator_url: \"http://grafana.example/d\"}"}) {
    EXPECT_NO_THROW(test::parse(std::string(test::minimal) + "events: {sinks: [" + sink + "]}\n")) << sink;
  }
}

}  // namespace
}  // namespace kda
