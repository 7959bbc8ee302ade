// The files shipped with the project: the reference in docs/configuration.md is exactly what the
// schema generates, the demo config loads, the production template is valid but for its secrets.
#include "config/schema.hpp"
#include "config_test_support.hpp"

#include <gmock/gmock.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kda {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path source_dir{KDA_SOURCE_DIR};

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The part of `file` between its lines `begin_marker` and `end_marker` is exactly `generated`.
// Run with KDA_UPDATE_DOCS=1 to rewrite that part after a schema change.
void expect_generated_section(const std::filesystem::path& file, std::string_view begin_marker,
                              std::string_view end_marker, const std::string& generated) {
  std::string text = read_file(file);
  const auto begin = text.find(begin_marker);
  const auto end = text.find(end_marker);
  ASSERT_NE(begin, std::string::npos) << file << " lacks " << begin_marker;
  ASSERT_NE(end, std::string::npos) << file << " lacks " << end_marker;
  const std::string current = text.substr(begin + begin_marker.size(), end - begin - begin_marker.size());
  if (current != generated && std::getenv("KDA_UPDATE_DOCS") != nullptr) {
    text.replace(begin + begin_marker.size(), current.size(), generated);
    std::ofstream(file, std::ios::binary) << text;
    GTEST_SKIP() << "rewrote the reference in " << file;
  }
  EXPECT_EQ(current, generated) << file
                                << " is out of date; run this test with KDA_UPDATE_DOCS=1 to regenerate it";
}

TEST(ConfigFiles, DocsContainTheGeneratedReferenceExactly) {
  expect_generated_section(source_dir / "docs" / "configuration.md", "<!-- BEGIN REFERENCE -->\n",
                           "<!-- END REFERENCE -->\n", config_reference_markdown());
}

TEST(ConfigFiles, ManPageContainsTheGeneratedReferenceExactly) {
  expect_generated_section(source_dir / "man" / "koodrive-audit.yaml.5", ".\\\" BEGIN REFERENCE\n",
                           ".\\\" END REFERENCE\n", config_reference_man());
}

TEST(ConfigFiles, TheReferenceNamesEveryKeyWithItsDefault) {
  const std::string reference = config_reference_markdown();
  EXPECT_THAT(reference, HasSubstr("| `api.max_concurrency` | integer | `8` | 1 … 1024 |"));
  EXPECT_THAT(reference, HasSubstr("| `poll.jitter` | percentage | `10%` | 0% … 50% |"));
  EXPECT_THAT(reference, HasSubstr("| `auth.app_secret_file` | secret file path | required: this or "
                                   "`app_secret_env` |"));
}

TEST(ConfigFiles, TheManReferenceNamesEveryKeyWithItsDefault) {
  const std::string reference = config_reference_man();
  for (const auto& spec : config::schema()) {
    EXPECT_THAT(reference, HasSubstr(".TP\n.B " + std::string(spec.path) + "\n")) << spec.path;
  }
  EXPECT_THAT(reference, HasSubstr(".B api.max_concurrency\ninteger; default \\fB8\\fR; 1 ... 1024\n"));
  EXPECT_THAT(reference, HasSubstr(".B api.max_requests_per_second\nnumber; default \\fB0\\fR; \\(>= 0\n"));
  EXPECT_THAT(reference, HasSubstr(".B auth.app_secret_file\nsecret file path; required: this or "
                                   "\\fBapp_secret_env\\fR\n.br\nOnly when \\fBmode\\fR is \\fBapp\\fR. "));
  // Text never starts a line with '.' or '\'': troff would read it as a request.
  std::istringstream lines(reference);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with('.') || line.starts_with('\'')) {
      EXPECT_THAT(line, ::testing::ContainsRegex(R"(^\.(SS|TP|B|br|\\")( |$))")) << line;
    }
  }
}

TEST(ConfigFiles, TheDemoConfigLoads) {
  const Config config = load_config(source_dir / "config" / "demo.yaml");
  EXPECT_EQ(config.api.base_url, "http://127.0.0.1:18080");
  ASSERT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(config.accounts[0].user_id, "1505084218764547200");
  EXPECT_EQ(config.accounts[0].name, "demo");
  EXPECT_EQ(config.accounts[0].auth.mode, AuthMode::app);
  EXPECT_EQ(config.accounts[0].auth.app_id.size(), 64U);
  EXPECT_EQ(config.accounts[0].auth.app_secret.origin(), (source_dir / "config" / "demo" / "app-secret").string());
  EXPECT_EQ(config.poll.interval, std::chrono::seconds(2));
  EXPECT_EQ(config.poll.jitter, 0.0);
  EXPECT_EQ(config.database.path, "/tmp/koodrive-audit-demo/audit.db");
  ASSERT_EQ(config.events.sinks.size(), 2U);
  EXPECT_EQ(config.events.sinks[0].type(), SinkType::log);
  EXPECT_EQ(std::get<JsonlSinkConfig>(config.events.sinks[1].settings).path, "/tmp/koodrive-audit-demo/events.jsonl");
  EXPECT_EQ(config.metrics.listen, (HostPort{"127.0.0.1", 0}));
}

TEST(ConfigFiles, TheDemoSecretsAreNonEmpty) {
  for (const char* name : {"app-secret", "token", "webhook-secret"}) {
    const std::string text = read_file(source_dir / "config" / "demo" / name);
    EXPECT_FALSE(text.empty()) << name;
    EXPECT_EQ(text.find('\n'), std::string::npos) << name << ": no newline, so any reader agrees on the value";
  }
}

TEST(ConfigFiles, TheProductionTemplateIsValidButForItsSecretFiles) {
  const auto file = source_dir / "config" / "koodrive-audit.yaml";
  try {
    const Config config = load_config(file);
    EXPECT_EQ(config.api.base_url, "https://intl.myhuaweicloud-koodrive.com");  // the secrets exist here
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) {
      EXPECT_THAT(d.message, ::testing::StartsWith("cannot read /etc/koodrive-audit/")) << d.to_string();
      EXPECT_TRUE(d.key.ends_with("secret_file")) << d.to_string();
    }
  }
}

TEST(ConfigFiles, TheProductionTemplateLoadsOnceItsSecretsExist) {
  test::TempDir dir;
  dir.write("app-secret", "app secret");
  dir.write("webhook-secret", "whsec_dGVtcGxhdGU=");
  std::string text = read_file(source_dir / "config" / "koodrive-audit.yaml");
  const std::string etc = "/etc/koodrive-audit/";
  for (auto at = text.find(etc); at != std::string::npos; at = text.find(etc, at)) text.replace(at, etc.size(), "");
  const Config config = parse_config(text, dir.path() / "config.yaml");
  EXPECT_EQ(config.api.base_url, "https://intl.myhuaweicloud-koodrive.com");
  EXPECT_EQ(config.accounts.size(), 1U);
  EXPECT_EQ(config.events.sinks.size(), 4U);
  EXPECT_TRUE(config.warnings.empty());
}

TEST(ConfigFiles, TheProductionTemplateSetsEveryKey) {
  const std::string text = read_file(source_dir / "config" / "koodrive-audit.yaml");
  for (const auto& spec : config::schema()) {
    const std::string key(config::key_name(spec));
    EXPECT_THAT(text, HasSubstr(key + ":")) << spec.path;
  }
}

}  // namespace
}  // namespace kda
