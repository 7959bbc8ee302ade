// Configs that load: defaults, value forms, secrets, relative paths, accounts, sinks, rendering.
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <gmock/gmock.h>

#include <sstream>

namespace kda {
namespace {

using namespace std::chrono_literals;
using test::fixtures_dir;
using test::minimal;
using test::parse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> all_event_types() { return {event_type_names.begin(), event_type_names.end()}; }

TEST(ConfigValid, DefaultsFillEveryOptionalKeyAndMatchTheStructInitialisers) {
  const Config config = parse(minimal);
  ApiConfig api;
  api.base_url = "https://intl.myhuaweicloud-koodrive.com";
  EXPECT_EQ(config.api, api);
  EXPECT_EQ(config.api.timeout, 10s);
  EXPECT_EQ(config.api.max_response_bytes, 8U * 1024 * 1024);
  EXPECT_EQ(config.api.retry, RetryConfig{});
  EXPECT_EQ(config.modules, (std::vector<int>{100, 101, 102}));
  EXPECT_EQ(config.modules, Config{}.modules);
  EXPECT_EQ(config.events.baseline, EventsConfig{}.baseline);
  EXPECT_EQ(config.events.confirm_removals, EventsConfig{}.confirm_removals);
  EXPECT_EQ(config.poll, PollConfig{});
  EXPECT_EQ(config.poll.interval, 5min);
  EXPECT_DOUBLE_EQ(config.poll.jitter, 0.10);
  EXPECT_EQ(config.database, DatabaseConfig{});
  EXPECT_EQ(config.database.retention, std::chrono::days(400));
  EXPECT_EQ(config.events.baseline, BaselinePolicy::silent);
  EXPECT_EQ(config.events.confirm_removals, 1);
  EXPECT_EQ(config.events.mass_removal, MassRemovalConfig{});
  EXPECT_DOUBLE_EQ(config.events.mass_removal.threshold, 0.5);
  EXPECT_EQ(config.events.coverage, CoverageConfig{});
  ASSERT_EQ(config.events.sinks.size(), 1U);
  EXPECT_EQ(config.events.sinks[0].name, "log");
  EXPECT_EQ(config.events.sinks[0].type(), SinkType::log);
  EXPECT_EQ(config.events.sinks[0].types, all_event_types());
  EXPECT_EQ(config.metrics, MetricsConfig{});
  EXPECT_EQ(config.metrics.listen.to_string(), "127.0.0.1:9464");
  EXPECT_EQ(config.log, LogConfig{});
  ASSERT_TRUE(config.auth);
  EXPECT_EQ(config.auth->mode, AuthMode::app);
  EXPECT_EQ(config.auth->token_format, "Bearer {token}");
  EXPECT_EQ(config.source, fixtures_dir() / "test.yaml");
}

TEST(ConfigValid, SinkDefaultsMatchTheStructInitialisers) {
  const Config config = parse(std::string(minimal) + R"(events:
  sinks:
    - {type: webhook, url: "https://hooks.example/k", secret_file: webhook-secret}
    - {type: alertmanager, url: "http://127.0.0.1:9093"}
)");
  const auto& webhook = std::get<WebhookSinkConfig>(config.events.sinks.at(0).settings);
  WebhookSinkConfig expected_webhook;
  EXPECT_EQ(webhook.timeout, expected_webhook.timeout);
  EXPECT_EQ(webhook.max_backoff, expected_webhook.max_backoff);
  EXPECT_EQ(webhook.max_backoff, 5min);
  EXPECT_TRUE(webhook.headers.empty());
  const auto& am = std::get<AlertmanagerSinkConfig>(config.events.sinks.at(1).settings);
  AlertmanagerSinkConfig expected_am;
  EXPECT_EQ(am.alert_duration, expected_am.alert_duration);
  EXPECT_EQ(am.alert_duration, 1h);
  EXPECT_EQ(am.timeout, expected_am.timeout);
  EXPECT_EQ(am.max_backoff, expected_am.max_backoff);
  EXPECT_EQ(am.urls, (std::vector<std::string>{"http://127.0.0.1:9093"}));
  EXPECT_FALSE(am.generator_url);
  ASSERT_EQ(am.severity.size(), event_type_names.size());
  EXPECT_EQ(am.severity.at("device.added"), "warning");
  EXPECT_EQ(am.severity.at("device.removed"), "critical");
  EXPECT_EQ(am.severity.at("scope.removed"), "critical");
  EXPECT_EQ(am.severity.at("audit.suspect_mass_removal"), "critical");
  EXPECT_EQ(am.severity.at("coverage.lost"), "warning");
}

TEST(ConfigValid, ValueForms) {
  const Config config = parse(R"(api:
  base_url: "http://[::1]:18080/"
  timeout: 1500ms
  max_requests_per_second: 2.5
  max_response_bytes: 512KiB
  retry: {attempts: 20, initial_backoff: 1s, max_backoff: 1m30s}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts: [{user_id: "1505084218764547200"}]
poll: {interval: 1h, jitter: 12.5%, run_on_start: false}
database: {retention: 0}
events: {baseline: emit, confirm_removals: 100, mass_removal: {threshold: 100%, min_items: 1}}
metrics: {enabled: false, listen: "[::1]:0"}
log: {level: trace}
)");
  EXPECT_EQ(config.api.base_url, "http://[::1]:18080");
  EXPECT_EQ(config.api.timeout, 1500ms);
  EXPECT_DOUBLE_EQ(config.api.max_requests_per_second, 2.5);
  EXPECT_EQ(config.api.max_response_bytes, 512U * 1024);
  EXPECT_EQ(config.api.retry.attempts, 20);
  EXPECT_EQ(config.api.retry.initial_backoff, 1s);
  EXPECT_EQ(config.api.retry.max_backoff, 90s);
  EXPECT_EQ(config.poll.interval, 1h);
  EXPECT_DOUBLE_EQ(config.poll.jitter, 0.125);
  EXPECT_FALSE(config.poll.run_on_start);
  EXPECT_EQ(config.database.retention, 0ms);
  EXPECT_EQ(config.events.baseline, BaselinePolicy::emit);
  EXPECT_EQ(config.events.confirm_removals, 100);
  EXPECT_DOUBLE_EQ(config.events.mass_removal.threshold, 1.0);
  EXPECT_FALSE(config.metrics.enabled);
  EXPECT_EQ(config.metrics.listen, (HostPort{"::1", 0}));
  EXPECT_EQ(config.log.level, LogLevel::trace);
}

TEST(ConfigValid, LoopbackHostsMayUsePlainHttp) {
  for (const char* url : {"http://127.0.0.1:18080", "http://localhost:8080/", "http://[::1]"}) {
    const Config config = parse("api: {base_url: \"" + std::string(url) + "\"}\n" +
                                std::string(minimal.substr(minimal.find('\n') + 1)));
    EXPECT_FALSE(config.api.base_url.ends_with('/')) << url;
  }
}

TEST(ConfigValid, SecretsComeFromFilesAndTheEnvironmentStripped) {
  ::setenv("KDA_TEST_TOKEN", "env-token-value\n", 1);
  const Config config = parse(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {mode: token, token_env: KDA_TEST_TOKEN, token_format: "Bearer+{token}"}
accounts:
  - user_id: "1"
  - user_id: "2"
    name: file-token
    auth: {mode: token, token_file: token}
)");
  ASSERT_EQ(config.accounts.size(), 2U);
  const Secret& from_env = config.accounts[0].auth.token;
  EXPECT_EQ(from_env.reveal(), "env-token-value");
  EXPECT_EQ(from_env.source(), Secret::Source::env);
  EXPECT_EQ(from_env.describe(), "environment variable KDA_TEST_TOKEN");
  EXPECT_EQ(config.accounts[0].auth.token_format, "Bearer+{token}");
  const Secret& from_file = config.accounts[1].auth.token;
  EXPECT_EQ(from_file.reveal(), "fixture-token-8e2a77");  // the file ends with a newline
  EXPECT_EQ(from_file.source(), Secret::Source::file);
  EXPECT_EQ(from_file.origin(), (fixtures_dir() / "token").string());
  ::unsetenv("KDA_TEST_TOKEN");
}

TEST(ConfigValid, SecretsNeverPrint) {
  std::ostringstream out;
  out << Secret("hunter2", Secret::Source::file, "/x");
  EXPECT_EQ(out.str(), "***");
}

TEST(ConfigValid, SecretFilesReadableByOthersOnlyWarn) {
  test::TempDir dir;
  const auto open_secret = dir.write("open-secret", "s3cret\n\n", std::filesystem::perms::owner_read |
                                                                      std::filesystem::perms::owner_write |
                                                                      std::filesystem::perms::group_read |
                                                                      std::filesystem::perms::others_read);
  dir.write("closed-secret", "s3cret");
  const std::string yaml = R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: open-secret}
accounts:
  - user_id: "1"
    auth: {app_id: "a378", app_secret_file: closed-secret}
)";
  const Config config = parse_config(yaml, dir.path() / "config.yaml");
  EXPECT_EQ(config.auth->app_secret.reveal(), "s3cret");
  const std::string file = (dir.path() / "config.yaml").string();
  EXPECT_THAT(config.warnings,
              ElementsAre(file + ":2:41: auth.app_secret_file: secret file " + open_secret.string() +
                          " is readable by group or others (mode 0644); chmod 600 " + open_secret.string()));
}

TEST(ConfigValid, ASecretCanBeReadAgain) {
  test::TempDir dir;
  const auto file = dir.write("token", "first\n");
  const Config config = parse_config(std::string(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {mode: token, token_file: token}
accounts: [{user_id: "1"}]
)"),
                                     dir.path() / "config.yaml");
  dir.write("token", "second\n");
  std::string error;
  auto again = reread_secret(config.auth->token, error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->reveal(), "second");
  std::filesystem::remove(file);
  EXPECT_FALSE(reread_secret(config.auth->token, error));
  EXPECT_EQ(error, "cannot read " + file.string() + ": No such file or directory");
}

TEST(ConfigValid, RelativePathsResolveAgainstTheConfigDirectory) {
  const Config config = parse(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com", ca_file: ca.pem}
auth: {app_id: "a378", app_secret_file: ./app-secret}
accounts: [{user_id: "1"}]
database: {path: data/../state/audit.db}
events:
  sinks:
    - {type: jsonl, path: events.jsonl}
    - {type: jsonl, path: /var/log/absolute.jsonl}
)");
  EXPECT_EQ(config.api.ca_file, fixtures_dir() / "ca.pem");
  EXPECT_EQ(config.auth->app_secret.origin(), (fixtures_dir() / "app-secret").string());
  EXPECT_EQ(config.database.path, fixtures_dir() / "state" / "audit.db");
  EXPECT_EQ(std::get<JsonlSinkConfig>(config.events.sinks[0].settings).path, fixtures_dir() / "events.jsonl");
  EXPECT_EQ(std::get<JsonlSinkConfig>(config.events.sinks[1].settings).path, "/var/log/absolute.jsonl");
  EXPECT_EQ(config.events.sinks[0].name, "jsonl");
  EXPECT_EQ(config.events.sinks[1].name, "jsonl-2");
}

TEST(ConfigValid, AnAccountMayOverrideTheDefaultAuth) {
  const Config config = parse(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
auth: {app_id: "a378", app_secret_file: app-secret}
accounts:
  - user_id: "1505084218764547200"
    name: finance-laptops
  - user_id: "1505084218764547201"
    auth: {mode: token, token_file: token}
)");
  ASSERT_EQ(config.accounts.size(), 2U);
  EXPECT_EQ(config.accounts[0].name, "finance-laptops");
  EXPECT_FALSE(config.accounts[0].own_auth);
  EXPECT_EQ(config.accounts[0].auth, *config.auth);
  EXPECT_EQ(config.accounts[0].auth.app_secret.reveal(), "fixture-app-secret-3f9c1d");
  EXPECT_FALSE(config.accounts[1].name);
  EXPECT_TRUE(config.accounts[1].own_auth);
  EXPECT_EQ(config.accounts[1].auth.mode, AuthMode::token);
  EXPECT_EQ(config.accounts[1].auth.token.reveal(), "fixture-token-8e2a77");
  EXPECT_TRUE(config.accounts[1].auth.app_id.empty());
}

TEST(ConfigValid, TopLevelAuthIsOptionalWhenEveryAccountHasItsOwn) {
  const Config config = parse(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com"}
accounts:
  - {user_id: "1", auth: {app_id: "a", app_secret_file: app-secret}}
)");
  EXPECT_FALSE(config.auth);
  EXPECT_TRUE(config.accounts[0].own_auth);
}

TEST(ConfigValid, SinksTheirNamesFiltersAndSettings) {
  ::setenv("KDA_TEST_WEBHOOK_SECRET", "whsec_env", 1);
  const Config config = parse(std::string(minimal) + R"(events:
  sinks:
    - {type: log, types: [scope.removed, device.removed]}
    - type: webhook
      name: siem
      url: "https://hooks.example/koodrive"
      secrets: [{file: webhook-secret}, {file: webhook-secret-old}, {env: KDA_TEST_WEBHOOK_SECRET}]
      headers: {X-Tenant: acme}
    - type: alertmanager
      urls: ["http://127.0.0.1:9093", "http://127.0.0.1:9094"]
      severity: {device.added: info}
      generator_url: "https://grafana.example/d/koodrive"
    - {type: log}
)");
  const auto& sinks = config.events.sinks;
  ASSERT_EQ(sinks.size(), 4U);
  EXPECT_EQ(sinks[0].name, "log");
  EXPECT_TRUE(sinks[0].accepts("scope.removed"));
  EXPECT_FALSE(sinks[0].accepts("scope.added"));
  EXPECT_EQ(sinks[1].name, "siem");
  const auto& webhook = std::get<WebhookSinkConfig>(sinks[1].settings);
  ASSERT_EQ(webhook.secrets.size(), 3U);
  EXPECT_EQ(webhook.secrets[0].reveal(), "whsec_Zml4dHVyZS13ZWJob29rLXNlY3JldA==");
  EXPECT_EQ(webhook.secrets[1].reveal(), "whsec_b2xkLWZpeHR1cmUtd2ViaG9vay1zZWNyZXQ=");
  EXPECT_EQ(webhook.secrets[2].reveal(), "whsec_env");
  EXPECT_EQ(webhook.headers, (std::map<std::string, std::string>{{"X-Tenant", "acme"}}));
  EXPECT_EQ(sinks[2].name, "alertmanager");
  const auto& am = std::get<AlertmanagerSinkConfig>(sinks[2].settings);
  EXPECT_EQ(am.urls.size(), 2U);
  EXPECT_EQ(am.severity.at("device.added"), "info");
  EXPECT_EQ(am.severity.at("device.removed"), "critical");  // the default entries stay
  EXPECT_EQ(am.generator_url, "https://grafana.example/d/koodrive");
  EXPECT_EQ(sinks[3].name, "log-2");
  ::unsetenv("KDA_TEST_WEBHOOK_SECRET");
}

TEST(ConfigValid, AnEmptySinkListKeepsEventsInTheDatabaseOnly) {
  EXPECT_TRUE(parse(std::string(minimal) + "events: {sinks: []}\n").events.sinks.empty());
}

TEST(ConfigValid, NullMeansTheDefault) {
  const Config config = parse(std::string(minimal) + "poll:\n  interval:\n  jitter: ~\nlog:\n");
  EXPECT_EQ(config.poll, PollConfig{});
}

Config every_kind_of_secret() {
  ::setenv("KDA_TEST_RENDER_SECRET", "env-secret-value-7731", 1);
  return parse(R"(api: {base_url: "https://intl.myhuaweicloud-koodrive.com", ca_file: ca.pem}
auth: {app_id: "a378331eca141163", app_secret_file: app-secret}
accounts:
  - {user_id: "1505084218764547200", name: "finance \"laptops\""}
  - user_id: "2"
    auth: {mode: token, token_file: token}
  - user_id: "3"
    auth: {mode: token, token_env: KDA_TEST_RENDER_SECRET}
events:
  sinks:
    - {type: log}
    - {type: jsonl, path: events.jsonl}
    - type: webhook
      url: "https://hooks.example/k?route=soc&token=query-token-5511"
      secrets: [{file: webhook-secret}, {env: KDA_TEST_RENDER_SECRET}]
      headers: {X-Api-Key: not-for-your-eyes, X-Tenant: acme}
    - {type: alertmanager, url: "http://127.0.0.1:9093", generator_url: "https://grafana.example"}
)");
}

TEST(ConfigRender, NeverContainsASecretValue) {
  const Config config = every_kind_of_secret();
  const std::string text = render_config(config);
  for (const char* secret : {"fixture-app-secret-3f9c1d", "fixture-token-8e2a77", "env-secret-value-7731",
                             "whsec_Zml4dHVyZS13ZWJob29rLXNlY3JldA==", "not-for-your-eyes",
                             "query-token-5511"}) {
    EXPECT_THAT(text, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(text, HasSubstr("  app_secret: \"***\"  # from file " + (fixtures_dir() / "app-secret").string() + "\n"));
  EXPECT_THAT(text, HasSubstr("      token: \"***\"  # from file " + (fixtures_dir() / "token").string() +
                              "; re-read before each poll\n"));
  EXPECT_THAT(text, HasSubstr("      token: \"***\"  # from environment variable KDA_TEST_RENDER_SECRET\n"));
  EXPECT_THAT(text, HasSubstr("        - \"***\"  # from environment variable KDA_TEST_RENDER_SECRET\n"));
  EXPECT_THAT(text, HasSubstr("\"X-Api-Key\": \"***\""));
  EXPECT_THAT(text, HasSubstr("\"X-Tenant\": \"acme\""));
  EXPECT_THAT(text, HasSubstr("url: \"https://hooks.example/k?***\"  # the query is not shown: it may hold a token\n"));
  EXPECT_THAT(text, HasSubstr("name: \"finance \\\"laptops\\\"\""));
  ::unsetenv("KDA_TEST_RENDER_SECRET");
}

TEST(ConfigRender, ShowsEveryKeyOfTheSchema) {
  const std::string text = render_config(every_kind_of_secret());
  for (const auto& spec : config::schema()) {
    std::string key(config::key_name(spec));
    // Secret sources render as the secret they supply ("app_secret: ***  # from file …").
    for (std::string_view suffix : {"_file", "_env"}) {
      if (spec.kind != config::Kind::file && key.ends_with(suffix)) key.resize(key.size() - suffix.size());
    }
    if (key == "secret" || key == "file" || key == "env") key = "secrets";
    if (key == "url") key = "urls";
    EXPECT_THAT(text, HasSubstr(key + ":")) << spec.path;
  }
  ::unsetenv("KDA_TEST_RENDER_SECRET");
}

TEST(ConfigRender, DefaultsRenderInTheirOwnForms) {
  const std::string text = render_config(parse(minimal));
  EXPECT_THAT(text, HasSubstr("\n  timeout: 10s\n"));
  EXPECT_THAT(text, HasSubstr("\n  max_response_bytes: 8MiB\n"));
  EXPECT_THAT(text, HasSubstr("\n  jitter: 10%\n"));
  EXPECT_THAT(text, HasSubstr("\n  retention: 400d\n"));
  EXPECT_THAT(text, HasSubstr("\nmodules: [100, 101, 102]\n"));
  EXPECT_THAT(text, HasSubstr("\n  listen: \"127.0.0.1:9464\"\n"));
  EXPECT_THAT(text, HasSubstr("\n  ca_file: ~  # the system trust store\n"));
}

}  // namespace
}  // namespace kda
