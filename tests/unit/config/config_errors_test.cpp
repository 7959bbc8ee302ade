// Broken configs: each asserts the exact lines a user reads, positions included.
#include "config_test_support.hpp"

#include <gmock/gmock.h>

#include <cstdlib>

namespace kda {
namespace {

using test::errors_of;
using ::testing::ElementsAre;

TEST(ConfigErrors, UnknownKeySuggestsTheClosestKnownOne) {
  EXPECT_THAT(errors_of(R"(api:
  base_url: "https://intl.myhuaweicloud-koodrive.com"
  max_concurency: 16
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:3:3: api.max_concurency: unknown key 'max_concurency'; did you mean "
                          "'max_concurrency'?"));
}

TEST(ConfigErrors, UnknownKeyFarFromAnyListsTheKeysThatApply) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
poll: {frequency: 5m}
)"),
              ElementsAre("test.yaml:4:8: poll.frequency: unknown key 'frequency'; expected one of: interval, "
                          "jitter, run_on_start"));
}

TEST(ConfigErrors, WrongTypeAndOutOfRangeNameTheRange) {
  EXPECT_THAT(errors_of(R"(api:
  base_url: "https://intl.myhuaweicloud-koodrive.com"
  max_concurrency: eight
  retry: {attempts: 0}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:3:20: api.max_concurrency: expected an integer, got 'eight'",
                          "test.yaml:4:21: api.retry.attempts: 0 is out of range; must be between 1 and 20"));
}

TEST(ConfigErrors, DurationsNeedAUnitAndRespectTheirBounds) {
  EXPECT_THAT(errors_of(R"(api:
  base_url: "https://intl.myhuaweicloud-koodrive.com"
  timeout: 30
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
poll:
  interval: 500ms
database:
  retention: 1 year
)"),
              ElementsAre("test.yaml:3:12: api.timeout: '30' has no unit; write e.g. 30s or 30ms (units: ms, s, m, h, d)",
                          "test.yaml:7:13: poll.interval: 500ms is out of range; must be at least 1s",
                          "test.yaml:9:14: database.retention: expected a duration such as 500ms, 10s, 5m, 1h or "
                          "400d, got '1 year'"));
}

TEST(ConfigErrors, PercentagesNeedThePercentSignAndStayInRange) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
poll: {jitter: 0.1}
events:
  mass_removal: {threshold: 120%}
)"),
              ElementsAre("test.yaml:4:16: poll.jitter: expected a percentage such as 10%, got '0.1'",
                          "test.yaml:6:29: events.mass_removal.threshold: 120% is out of range; must be between "
                          "1% and 100%"));
}

TEST(ConfigErrors, AnUnquotedUserIdIsRejectedWithAHintToQuoteIt) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts:
  - user_id: 1505084218764547200
  - user_id: "15050842187645x"
)"),
              ElementsAre("test.yaml:4:14: accounts[0].user_id: expected a quoted string, got the number "
                          "1505084218764547200; write \"1505084218764547200\" (IDs exceed 2^53 and would lose "
                          "digits as numbers)",
                          "test.yaml:5:14: accounts[1].user_id: '15050842187645x' is not an ID; expected up to 32 "
                          "decimal digits"));
}

TEST(ConfigErrors, MissingRequiredKeysPointAtTheirParentMapping) {
  EXPECT_THAT(errors_of(R"(auth: {app_id: "a378", app_secret_file: app-secret}
accounts:
  - user_id: "1505084218764547200"
  - name: second
)"),
              ElementsAre("test.yaml:1:1: api: missing required key",
                          "test.yaml:4:5: accounts[1].user_id: missing required key"));
}

TEST(ConfigErrors, AnEmptyFileLacksTheRequiredTopLevelKeys) {
  EXPECT_THAT(errors_of(""), ElementsAre("test.yaml:1:1: api: missing required key",
                                         "test.yaml:1:1: accounts: missing required key"));
}

TEST(ConfigErrors, SyntaxErrorsCarryYamlCppsPosition) {
  EXPECT_THAT(errors_of("api: {base_url: \"https://x.example\"\naccounts: []\n"),
              ElementsAre("test.yaml:2:1: invalid YAML: end of map flow not found"));
  EXPECT_THAT(errors_of("api:\n  base_url: x\n\tauth: {}\n"),
              ElementsAre("test.yaml:3:1: invalid YAML: illegal tab when looking for indentation"));
}

TEST(ConfigErrors, PlainHttpIsOnlyForLoopbackAndTheBaseUrlHasNoPath) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "http://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:1:17: api.base_url: http:// is allowed only for loopback (127.0.0.1, ::1); "
                          "use https://"));
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com/koodrive/ose"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:1:17: api.base_url: the API root has no path ('/koodrive/ose'); give only "
                          "scheme://host[:port]"));
  EXPECT_THAT(errors_of(R"(api: {base_url: "ftp://user:pw@example.com"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:1:17: api.base_url: the scheme must be https:// or http://, not ftp://"));
}

TEST(ConfigErrors, InlineSecretsAreRefusedWithTheWayToGiveThem) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth:
  app_id: "a378"
  app_secret: hunter2
accounts: [{user_id: "1505084218764547200"}]
events:
  sinks:
    - {type: webhook, url: "https://hooks.example/k", secret: abc}
)"),
              ElementsAre("test.yaml:3:3: auth: missing required key: one of 'app_secret_file' or 'app_secret_env'",
                          "test.yaml:4:3: auth.app_secret: secrets are never written in the config; use "
                          "'app_secret_file' or 'app_secret_env'",
                          "test.yaml:8:7: events.sinks[0]: missing required key: one of 'secret_file', "
                          "'secret_env' or 'secrets'",
                          "test.yaml:8:55: events.sinks[0].secret: secrets are never written in the config; use "
                          "'secret_file' or 'secret_env'"));
}

TEST(ConfigErrors, SecretSourcesAreMutuallyExclusive) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth:
  app_id: "a378"
  app_secret_file: app-secret
  app_secret_env: HOME
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:5:3: auth.app_secret_env: 'app_secret_file' and 'app_secret_env' are mutually "
                          "exclusive; keep one"));
}

TEST(ConfigErrors, UnreadableAndEmptySecretsAreErrors) {
  ::unsetenv("KDA_TEST_UNSET_SECRET");
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: no-such-secret}
accounts:
  - user_id: "1505084218764547200"
    auth: {mode: token, token_file: empty-secret}
  - user_id: "1505084218764547201"
    auth: {mode: token, token_env: KDA_TEST_UNSET_SECRET}
  - user_id: "1505084218764547202"
    auth: {mode: token, token_env: "bad-name"}
)"),
              ElementsAre("test.yaml:2:41: auth.app_secret_file: cannot read no-such-secret: No such file or "
                          "directory",
                          "test.yaml:5:37: accounts[0].auth.token_file: secret file empty-secret is empty",
                          "test.yaml:7:36: accounts[1].auth.token_env: environment variable KDA_TEST_UNSET_SECRET "
                          "is not set",
                          "test.yaml:9:36: accounts[2].auth.token_env: 'bad-name' is not an environment variable "
                          "name"));
}

TEST(ConfigErrors, KeysOfTheOtherAuthModeDoNotApply) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth:
  mode: token
  app_id: "a378"
  token_file: token
  token_format: "Bearer"
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:4:3: auth.app_id: 'app_id' does not apply when mode is token",
                          "test.yaml:6:17: auth.token_format: must contain {token}, where the token goes (e.g. "
                          "\"Bearer {token}\")"));
}

TEST(ConfigErrors, EnumValuesSuggestTheClosestAllowedOne) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {mode: tokn, token_file: token}
accounts: [{user_id: "1505084218764547200"}]
log: {level: warning}
)"),
              ElementsAre("test.yaml:2:14: auth.mode: 'tokn' is not one of: app, token; did you mean 'token'?",
                          "test.yaml:4:14: log.level: 'warning' is not one of: trace, debug, info, warn, error; did "
                          "you mean 'warn'?"));
}

TEST(ConfigErrors, AccountsNeedUniqueIdsAndSomeAuth) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
accounts:
  - user_id: "1505084218764547200"
    auth: {app_id: "a378", app_secret_file: app-secret}
  - user_id: "1505084218764547200"
)"),
              ElementsAre("test.yaml:5:5: accounts[1].auth: missing required key (there is no top-level auth to "
                          "inherit)",
                          "test.yaml:5:14: accounts[1].user_id: user_id \"1505084218764547200\" is listed twice "
                          "(first at accounts[0].user_id, line 3)"));
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:1:1: auth: missing required key (no account has an auth of its own)"));
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: []
)"),
              ElementsAre("test.yaml:3:11: accounts: must not be empty"));
}

TEST(ConfigErrors, ModulesAreADistinctSubsetOfTheKnownOnes) {
  EXPECT_THAT(errors_of(std::string(test::minimal) + "modules: [100, 103, 100, album]\n"),
              ElementsAre("test.yaml:4:16: modules[1]: 103 is not one of: 100, 101, 102",
                          "test.yaml:4:21: modules[2]: 100 is listed twice",
                          "test.yaml:4:26: modules[3]: expected an integer, got 'album'"));
}

TEST(ConfigErrors, SinksAreCheckedPerType) {
  EXPECT_THAT(errors_of(std::string(test::minimal) + R"(events:
  sinks:
    - {type: log, path: /tmp/x}
    - {type: jsonl}
    - {type: alertmanager, url: "http://127.0.0.1:9093", urls: ["http://127.0.0.1:9094"]}
    - {type: webhook, url: "https://hooks.example/k", secret_file: webhook-secret,
       headers: {Content-Type: text/plain, X-Ok: "a\nb"}}
    - {type: teams}
    - {type: log, types: [scope.added, scope.moved]}
)"),
              ElementsAre("test.yaml:6:19: events.sinks[0].path: 'path' does not apply when type is log",
                          "test.yaml:7:7: events.sinks[1].path: missing required key",
                          "test.yaml:8:58: events.sinks[2].urls: 'url' and 'urls' are mutually exclusive; keep one",
                          "test.yaml:10:18: events.sinks[3].headers[Content-Type]: header 'Content-Type' is set by "
                          "the webhook sink itself",
                          "test.yaml:10:50: events.sinks[3].headers[X-Ok]: a header value must not contain control "
                          "characters or line breaks",
                          "test.yaml:11:14: events.sinks[4].type: 'teams' is not one of: log, jsonl, webhook, "
                          "alertmanager",
                          "test.yaml:12:40: events.sinks[5].types[1]: 'scope.moved' is not one of: device.added, "
                          "device.removed, device.changed, scope.added, scope.removed, scope.changed, "
                          "audit.suspect_mass_removal, coverage.lost, coverage.restored; did you mean "
                          "'scope.removed'?"));
}

TEST(ConfigErrors, EndpointsAndSigningSecretsAreRequired) {
  EXPECT_THAT(errors_of(std::string(test::minimal) + R"(events:
  sinks:
    - {type: webhook, secrets: [{file: webhook-secret, env: HOME}, {}]}
    - {type: alertmanager, alert_duration: 30s}
    - {type: webhook, url: "https://user:pw@hooks.example/k", secrets: []}
)"),
              ElementsAre("test.yaml:6:7: events.sinks[0].url: missing required key",
                          "test.yaml:6:56: events.sinks[0].secrets[0].env: 'file' and 'env' are mutually "
                          "exclusive; keep one",
                          "test.yaml:6:68: events.sinks[0].secrets[1]: missing required key: one of 'file' or "
                          "'env'",
                          "test.yaml:7:7: events.sinks[1]: missing required key: one of 'url' or 'urls'",
                          "test.yaml:7:44: events.sinks[1].alert_duration: 30s is out of range; must be between "
                          "1m and 30d",
                          "test.yaml:8:28: events.sinks[2].url: credentials in a URL are not allowed; they would "
                          "be printed and logged",
                          "test.yaml:8:72: events.sinks[2].secrets: must not be empty"));
}

TEST(ConfigErrors, SinkNamesAreUnique) {
  EXPECT_THAT(errors_of(std::string(test::minimal) + R"(events:
  sinks:
    - {type: log}
    - {type: log, name: log}
    - {type: jsonl, name: "Audit File", path: events.jsonl}
)"),
              ElementsAre("test.yaml:7:25: events.sinks[1].name: sink name 'log' is already used by "
                          "events.sinks[0]; give each sink a distinct name",
                          "test.yaml:8:27: events.sinks[2].name: 'Audit File' is not a sink name; use up to 64 of "
                          "a-z, 0-9, '-', '_', '.', starting with a letter or digit"));
}

TEST(ConfigErrors, ListenAddressesAndBooleansAreStrict) {
  EXPECT_THAT(errors_of(std::string(test::minimal) + R"(metrics:
  enabled: yes
  listen: ::1:9464
poll: {run_on_start: "true"}
)"),
              ElementsAre("test.yaml:5:12: metrics.enabled: expected true or false, got 'yes'",
                          "test.yaml:6:11: metrics.listen: an IPv6 address goes in brackets, as in [::1]:9464 (got "
                          "'::1:9464')",
                          "test.yaml:7:22: poll.run_on_start: expected true or false, got the string \"true\""));
}

TEST(ConfigErrors, StructureMismatchesAndDuplicateKeys) {
  EXPECT_THAT(errors_of(std::string(test::minimal) + R"(poll: 5m
database:
  path: a.db
  path: b.db
events:
  sinks: {type: log}
)"),
              ElementsAre("test.yaml:4:7: poll: expected a mapping, got '5m'",
                          "test.yaml:7:3: database.path: duplicate key 'path' (first at line 6)",
                          "test.yaml:9:10: events.sinks: expected a list, got a mapping"));
}

TEST(ConfigErrors, BackoffsMustBeOrdered) {
  EXPECT_THAT(errors_of(R"(api:
  base_url: "https://intl.myhuaweicloud-koodrive.com"
  retry: {initial_backoff: 1m, max_backoff: 10s}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:3:45: api.retry.max_backoff: max_backoff (10s) must be at least "
                          "initial_backoff (1m)"));
}

TEST(ConfigErrors, CaFileMustBeReadable) {
  EXPECT_THAT(errors_of(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com", ca_file: missing.pem}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
)"),
              ElementsAre("test.yaml:1:69: api.ca_file: cannot read missing.pem: No such file or directory"));
}

TEST(ConfigErrors, EveryProblemIsReportedAtOnceInFileOrder) {
  const auto errors = errors_of(R"(log: {level: loud}
api:
  base_url: "https://intl.myhuaweicloud-koodrive.com"
  timeout: 0s
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1"}, {user_id: 2}]
metrics: {listen: "127.0.0.1:99999"}
)");
  EXPECT_THAT(errors,
              ElementsAre("test.yaml:1:14: log.level: 'loud' is not one of: trace, debug, info, warn, error",
                          "test.yaml:4:12: api.timeout: 0s is out of range; must be between 100ms and 10m",
                          "test.yaml:6:38: accounts[1].user_id: expected a quoted string, got the number 2; write "
                          "\"2\" (IDs exceed 2^53 and would lose digits as numbers)",
                          "test.yaml:7:19: metrics.listen: port 99999 is out of range; must be between 0 and 65535 "
                          "(got '127.0.0.1:99999')"));
}

TEST(ConfigErrors, WhatJoinsTheLines) {
  try {
    test::parse("api: {}\n");
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2U);
    EXPECT_EQ(std::string(e.what()), e.diagnostics()[0].to_string() + "\n" + e.diagnostics()[1].to_string());
    EXPECT_EQ(e.diagnostics()[0].key, "accounts");
    EXPECT_EQ(e.diagnostics()[1].key, "api.base_url");
    EXPECT_EQ(e.diagnostics()[1].line, 1);
    EXPECT_EQ(e.diagnostics()[1].column, 6);
    EXPECT_EQ(e.diagnostics()[1].message, "missing required key");
  }
}

// Found by tests/fuzz/config_fuzz.cpp: a NUL in a quoted value cut what() short (a C string),
// and a line break in an unknown key split a diagnostic in two.
TEST(ConfigErrors, QuotedInputKeepsEachDiagnosticOnOneLine) {
  const std::string yaml = std::string(test::minimal) +
                           "poll: {\"a\\nb\\e[31m\": 1}\n"
                           "database: {retention: \"1\\0d\"}\n";
  EXPECT_THAT(errors_of(yaml),
              ElementsAre("test.yaml:4:8: poll.a\\x0ab\\x1b[31m: unknown key 'a\\x0ab\\x1b[31m'; expected one of: "
                          "interval, jitter, run_on_start",
                          "test.yaml:5:23: database.retention: expected a duration such as 500ms, 10s, 5m, 1h or "
                          "400d, got the string \"1\\x00d\""));
  try {
    test::parse(yaml);
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), e.diagnostics()[0].to_string() + "\n" + e.diagnostics()[1].to_string());
  }
}

TEST(ConfigErrors, AnUnreadableConfigFileIsOneError) {
  try {
    load_config("/nonexistent/koodrive-audit.yaml");
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/koodrive-audit.yaml:1:1: cannot read the config file: No such file or "
                           "directory");
  }
}

}  // namespace
}  // namespace kda
