// Fuzz target: YAML config text through parse_config (include/koodrive_audit/config.hpp), the
// text entry point of load_config, and a loaded Config through render_config.
//
// The text is parsed as if it were <sandbox>/config.yaml, so relative secret files resolve into a
// temporary directory this target fills once: app-secret, token, webhook-secret,
// webhook-secret-old, readable-secret (mode 0644: a warning), empty-secret, ca.pem, and the same
// under demo/ (config/demo.yaml's paths). Environment variables KDA_FUZZ_APP_SECRET,
// KDA_FUZZ_TOKEN and KDA_FUZZ_WEBHOOK_SECRET hold secrets too. Every secret value starts with
// "fuzz-secret-". A path that does not exist must be an error, never a crash.
//
// What must hold, beyond "no crash":
//  - parse_config returns a Config or throws ConfigError, nothing else;
//  - a ConfigError lists at least one diagnostic, each naming the file, a line of the text and a
//    column, with a message, in file order; what() is their lines;
//  - a loaded Config keeps config.hpp's promises: at least one account with unique decimal IDs
//    and usable credentials, absolute paths, a base_url without a trailing '/', sinks with
//    unique names and event types, a severity per event type;
//  - no secret value reaches an error, a warning or render_config's text (unless the input holds
//    it itself), and render_config writes YAML that loads back with the same names and paths.
#include "fuzz_check.hpp"
#include "koodrive_audit/config.hpp"

#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace {

using namespace kda;
namespace fs = std::filesystem;

constexpr std::string_view secret_marker = "fuzz-secret-";

// The directory the text is parsed in; removed at exit.
class Sandbox {
 public:
  Sandbox() {
    std::string pattern = (fs::temp_directory_path() / "kda-config-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    for (const char* sub : {"", "demo"}) {
      fs::create_directories(dir_ / sub);
      for (const char* name : {"app-secret", "token", "webhook-secret", "webhook-secret-old"}) {
        write(fs::path(sub) / name, std::string(secret_marker) + name + "\n", 0600);
      }
    }
    write("readable-secret", std::string(secret_marker) + "readable\n", 0644);
    write("empty-secret", "\n", 0600);
    write("ca.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", 0644);
    ::setenv("KDA_FUZZ_APP_SECRET", "fuzz-secret-env-app", 1);
    ::setenv("KDA_FUZZ_TOKEN", "fuzz-secret-env-token", 1);
    ::setenv("KDA_FUZZ_WEBHOOK_SECRET", "fuzz-secret-env-webhook", 1);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  fs::path origin() const { return dir_ / "config.yaml"; }

 private:
  void write(const fs::path& name, const std::string& text, unsigned mode) {
    const fs::path file = dir_ / name;
    std::ofstream(file, std::ios::binary) << text;
    ::chmod(file.c_str(), static_cast<mode_t>(mode));
  }

  fs::path dir_;
};

// A secret of ours may not appear in `text` unless the input wrote it there itself.
void check_no_secret(std::string_view text, const Secret& secret, std::string_view input,
                     const char* what) {
  const std::string& value = secret.reveal();
  if (!value.starts_with(secret_marker) || input.find(value) != std::string_view::npos) return;
  KDA_FUZZ_CHECK(text.find(value) == std::string_view::npos, what);
}

std::vector<const Secret*> secrets_of(const Config& config) {
  std::vector<const Secret*> secrets;
  for (const AccountConfig& account : config.accounts) {
    secrets.push_back(&account.auth.app_secret);
    secrets.push_back(&account.auth.token);
  }
  for (const SinkConfig& sink : config.events.sinks) {
    if (const auto* webhook = std::get_if<WebhookSinkConfig>(&sink.settings)) {
      for (const Secret& secret : webhook->secrets) secrets.push_back(&secret);
    }
  }
  return secrets;
}

// Lines as YAML counts them: "\n", "\r\n" and a lone "\r" each end one.
int line_count(std::string_view text) {
  int lines = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) ++lines;
  }
  return lines;
}

void check_error(const ConfigError& error, const fs::path& origin, std::string_view input) {
  const auto& diagnostics = error.diagnostics();
  KDA_FUZZ_CHECK(!diagnostics.empty(), "a ConfigError lists what is wrong");
  std::string lines;
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    const ConfigDiagnostic& d = diagnostics[i];
    KDA_FUZZ_CHECK(d.file == origin.string(), "a diagnostic names the file");
    KDA_FUZZ_CHECK(d.line >= 1 && d.line <= line_count(input), "a diagnostic names a line of the file");
    KDA_FUZZ_CHECK(d.column >= 1, "a diagnostic names a column");
    KDA_FUZZ_CHECK(!d.message.empty(), "a diagnostic says what is wrong");
    KDA_FUZZ_CHECK(fuzz::no_control_bytes(d.to_string()), "a diagnostic is one line");
    if (i > 0) {
      const ConfigDiagnostic& p = diagnostics[i - 1];
      KDA_FUZZ_CHECK(p.line < d.line || (p.line == d.line && p.column <= d.column),
                     "diagnostics are in file order");
    }
    lines += (i > 0 ? "\n" : "") + d.to_string();
  }
  KDA_FUZZ_CHECK(lines == error.what(), "what() is the diagnostics' lines");
  const std::string text = error.what();
  for (const char* env : {"KDA_FUZZ_APP_SECRET", "KDA_FUZZ_TOKEN", "KDA_FUZZ_WEBHOOK_SECRET"}) {
    check_no_secret(text, Secret(std::getenv(env), Secret::Source::env, env), input,
                    "no secret in a config error");
  }
  for (const char* name : {"app-secret", "token", "webhook-secret", "webhook-secret-old"}) {
    check_no_secret(text, Secret(std::string(secret_marker) + name, Secret::Source::file, name), input,
                    "no secret in a config error");
  }
}

bool is_absolute(const fs::path& path) { return path.is_absolute(); }

void check_auth(const AuthConfig& auth) {
  if (auth.mode == AuthMode::app) {
    KDA_FUZZ_CHECK(!auth.app_id.empty() && !auth.app_secret.empty(), "app mode has an id and a secret");
  } else {
    KDA_FUZZ_CHECK(!auth.token.empty(), "token mode has a token");
    KDA_FUZZ_CHECK(auth.token_format.find("{token}") != std::string::npos, "token_format holds {token}");
  }
}

void check_config(const Config& config, const fs::path& origin) {
  KDA_FUZZ_CHECK(config.source == origin, "source is the config file");
  KDA_FUZZ_CHECK(!config.api.base_url.empty() && !config.api.base_url.ends_with('/'),
                 "base_url has no trailing /");
  KDA_FUZZ_CHECK(!config.api.ca_file || is_absolute(*config.api.ca_file), "ca_file is absolute");
  KDA_FUZZ_CHECK(!config.accounts.empty(), "at least one account");
  std::set<std::string> user_ids;
  for (const AccountConfig& account : config.accounts) {
    KDA_FUZZ_CHECK(fuzz::decimal_digits(account.user_id), "a user_id is decimal digits");
    KDA_FUZZ_CHECK(user_ids.insert(account.user_id).second, "user_ids are unique");
    check_auth(account.auth);
    if (!account.own_auth) {
      KDA_FUZZ_CHECK(config.auth && account.auth == *config.auth, "an account without auth inherits it");
    }
  }
  KDA_FUZZ_CHECK(!config.modules.empty(), "at least one module");
  for (const int module : config.modules) KDA_FUZZ_CHECK(module >= 100 && module <= 102, "modules are KooDrive's");
  KDA_FUZZ_CHECK(is_absolute(config.database.path), "database.path is absolute");
  std::set<std::string> names;
  for (const SinkConfig& sink : config.events.sinks) {
    KDA_FUZZ_CHECK(names.insert(sink.name).second, "sink names are unique");
    KDA_FUZZ_CHECK(!sink.types.empty(), "a sink receives some event type");
    for (const std::string& type : sink.types) {
      KDA_FUZZ_CHECK(std::find(event_type_names.begin(), event_type_names.end(), type) != event_type_names.end(),
                     "a sink's types are event types");
    }
    if (const auto* jsonl = std::get_if<JsonlSinkConfig>(&sink.settings)) {
      KDA_FUZZ_CHECK(is_absolute(jsonl->path), "a jsonl path is absolute");
    } else if (const auto* webhook = std::get_if<WebhookSinkConfig>(&sink.settings)) {
      KDA_FUZZ_CHECK(!webhook->secrets.empty(), "a webhook has a secret");
    } else if (const auto* am = std::get_if<AlertmanagerSinkConfig>(&sink.settings)) {
      KDA_FUZZ_CHECK(!am->urls.empty(), "an alertmanager sink has a url");
      KDA_FUZZ_CHECK(am->severity.size() == event_type_names.size(), "a severity per event type");
    }
  }
}

// render_config's text is YAML and says what the Config holds.
void check_render(const Config& config, std::string_view input) {
  const std::string text = render_config(config);
  for (const Secret* secret : secrets_of(config)) {
    check_no_secret(text, *secret, input, "render_config never shows a secret");
    for (const std::string& warning : config.warnings) {
      check_no_secret(warning, *secret, input, "no secret in a warning");
    }
  }
  for (const std::string& warning : config.warnings) {
    KDA_FUZZ_CHECK(fuzz::no_control_bytes(warning), "a warning is one line");
  }
  YAML::Node rendered;
  try {
    rendered = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::fprintf(stderr, "%s\n--- rendered:\n%s\n", e.what(), text.c_str());
    KDA_FUZZ_CHECK(false, "render_config writes loadable YAML");
  }
  try {
    KDA_FUZZ_CHECK(rendered["api"]["base_url"].as<std::string>() == config.api.base_url, "rendered base_url");
    KDA_FUZZ_CHECK(rendered["database"]["path"].as<std::string>() == config.database.path.string(),
                   "rendered database.path");
    KDA_FUZZ_CHECK(rendered["accounts"].size() == config.accounts.size(), "rendered accounts");
    for (std::size_t i = 0; i < config.accounts.size(); ++i) {
      const YAML::Node account = rendered["accounts"][i];
      KDA_FUZZ_CHECK(account["user_id"].as<std::string>() == config.accounts[i].user_id, "rendered user_id");
      if (config.accounts[i].name) {
        KDA_FUZZ_CHECK(account["name"].as<std::string>() == *config.accounts[i].name, "rendered name");
      }
    }
    KDA_FUZZ_CHECK(rendered["events"]["sinks"].size() == config.events.sinks.size(), "rendered sinks");
    for (std::size_t i = 0; i < config.events.sinks.size(); ++i) {
      const SinkConfig& sink = config.events.sinks[i];
      const YAML::Node node = rendered["events"]["sinks"][i];
      KDA_FUZZ_CHECK(node["name"].as<std::string>() == sink.name, "rendered sink name");
      if (const auto* webhook = std::get_if<WebhookSinkConfig>(&sink.settings)) {
        KDA_FUZZ_CHECK(node["url"].as<std::string>() == webhook->url, "rendered webhook url");
        KDA_FUZZ_CHECK(node["headers"].size() == webhook->headers.size(), "rendered headers");
        for (const auto& [name, value] : webhook->headers) {
          KDA_FUZZ_CHECK(node["headers"][name].IsDefined(), "rendered header name");
        }
      } else if (const auto* jsonl = std::get_if<JsonlSinkConfig>(&sink.settings)) {
        KDA_FUZZ_CHECK(node["path"].as<std::string>() == jsonl->path.string(), "rendered jsonl path");
      }
    }
  } catch (const YAML::Exception& e) {
    std::fprintf(stderr, "%s\n--- rendered:\n%s\n", e.what(), text.c_str());
    KDA_FUZZ_CHECK(false, "render_config's YAML has the Config's shape");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Sandbox sandbox;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const fs::path origin = sandbox.origin();
  std::optional<Config> config;
  try {
    config = parse_config(input, origin);
  } catch (const ConfigError& error) {
    check_error(error, origin, input);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parse_config threw: %s\n", e.what());
    KDA_FUZZ_CHECK(false, "parse_config throws ConfigError only");
  }
  check_config(*config, origin);
  check_render(*config, input);
  return 0;
}
