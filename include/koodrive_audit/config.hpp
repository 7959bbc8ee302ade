#pragma once
// The configuration: a YAML file → a validated, typed Config.
//
// Promises:
// - load_config / parse_config return a Config in which every key has its value: the one schema
//   table (src/config/schema.cpp, rendered into docs/configuration.md) supplies the defaults,
//   ranges and allowed values. Or they throw ConfigError carrying EVERY problem found, each
//   "FILE:LINE:COLUMN: key.path: what is wrong" (1-based, as editors count).
// - Secrets come only from files or environment variables (never inline), are read at load time
//   and live in Secret, which never formats its value. render_config masks them.
// - Relative paths (secret files, ca_file, database.path, jsonl paths) are resolved against the
//   directory of the config file; a Config holds absolute paths only.
// - Loading reads files and the environment and nothing else; no logging, no global state.
//   Everything here is a plain value, safe to copy and to compare.
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kda {

using Duration = std::chrono::milliseconds;

// Every event type a sink can receive (the vocabulary of `events.sinks[].types` and of an
// alertmanager sink's `severity`). The same names as model's ChangeType.
inline constexpr std::array<std::string_view, 9> event_type_names{
    "device.added",  "device.removed", "device.changed",
    "scope.added",   "scope.removed",  "scope.changed",
    "audit.suspect_mass_removal", "coverage.lost", "coverage.restored"};

// A credential read from a file or an environment variable. Its value is reachable only through
// reveal(); streaming a Secret prints "***". Where it came from is not secret and may be shown.
class Secret {
 public:
  enum class Source { file, env };

  Secret() = default;
  Secret(std::string value, Source source, std::string origin)
      : value_(std::move(value)), source_(source), origin_(std::move(origin)) {}

  const std::string& reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  Source source() const noexcept { return source_; }
  // The absolute file path, or the environment variable's name.
  const std::string& origin() const noexcept { return origin_; }
  // "file /etc/koodrive-audit/app-secret" or "environment variable KDA_APP_SECRET".
  std::string describe() const;

  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
  Source source_ = Source::file;
  std::string origin_;
};

// Prints "***", never the value.
std::ostream& operator<<(std::ostream& out, const Secret& secret);

// Reads a secret again from where it came from (a token file is re-read before each poll), with
// the rules of load time: trailing whitespace stripped, empty is an error. On failure returns
// std::nullopt and sets `error` to why ("cannot read /path: Permission denied"); never throws.
std::optional<Secret> reread_secret(const Secret& previous, std::string& error);

// A listening address. IPv6 hosts are kept without brackets; port 0 means "any free port".
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;  // "127.0.0.1:9464", "[::1]:9464"
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Member initialisers below equal the schema's defaults (a unit test holds them together), so a
// hand-built Config in another component's test behaves like a loaded one.

struct RetryConfig {
  int attempts = 4;  // tries in all, the first included
  Duration initial_backoff{500};
  Duration max_backoff{30'000};
  friend bool operator==(const RetryConfig&, const RetryConfig&) = default;
};

struct ApiConfig {
  std::string base_url;  // "https://host[:port]", never a trailing '/'
  std::optional<std::filesystem::path> ca_file;  // none = the system trust store
  Duration timeout{10'000};
  int max_concurrency = 8;
  double max_requests_per_second = 0;  // 0 = no limit
  std::uint64_t max_response_bytes = 8 * 1024 * 1024;
  RetryConfig retry;
  friend bool operator==(const ApiConfig&, const ApiConfig&) = default;
};

enum class AuthMode { app, token };

struct AuthConfig {
  AuthMode mode = AuthMode::app;
  std::string app_id;  // mode app
  Secret app_secret;   // mode app
  Secret token;        // mode token; a file source is meant to be re-read (reread_secret)
  std::string token_format = "Bearer {token}";  // mode token; contains "{token}"
  friend bool operator==(const AuthConfig&, const AuthConfig&) = default;
};

struct AccountConfig {
  std::string user_id;              // decimal digits, never parsed as a number
  std::optional<std::string> name;  // label for humans
  AuthConfig auth;                  // resolved: the account's own, else the top-level one
  bool own_auth = false;            // true when the account overrides the top-level auth
  friend bool operator==(const AccountConfig&, const AccountConfig&) = default;
};

struct PollConfig {
  Duration interval{5 * 60 * 1000};
  double jitter = 0.10;  // fraction of the interval, 0 … 0.5
  bool run_on_start = true;
  friend bool operator==(const PollConfig&, const PollConfig&) = default;
};

struct DatabaseConfig {
  std::filesystem::path path{"/var/lib/koodrive-audit/audit.db"};
  Duration retention{400LL * 24 * 60 * 60 * 1000};  // 0 = keep forever
  friend bool operator==(const DatabaseConfig&, const DatabaseConfig&) = default;
};

enum class BaselinePolicy { silent, emit };

struct MassRemovalConfig {
  double threshold = 0.5;  // fraction, (0, 1]
  int min_items = 5;
  friend bool operator==(const MassRemovalConfig&, const MassRemovalConfig&) = default;
};

struct CoverageConfig {
  int after_failures = 3;
  friend bool operator==(const CoverageConfig&, const CoverageConfig&) = default;
};

enum class SinkType { log, jsonl, webhook, alertmanager };  // the order of SinkConfig::settings

struct LogSinkConfig {
  friend bool operator==(const LogSinkConfig&, const LogSinkConfig&) = default;
};

struct JsonlSinkConfig {
  std::filesystem::path path;
  friend bool operator==(const JsonlSinkConfig&, const JsonlSinkConfig&) = default;
};

struct WebhookSinkConfig {
  std::string url;
  std::vector<Secret> secrets;  // one signature per secret (key rotation); at least one
  std::map<std::string, std::string> headers;
  Duration timeout{10'000};
  Duration max_backoff{5 * 60 * 1000};
  friend bool operator==(const WebhookSinkConfig&, const WebhookSinkConfig&) = default;
};

struct AlertmanagerSinkConfig {
  std::vector<std::string> urls;  // at least one; alerts go to each
  Duration alert_duration{60 * 60 * 1000};
  std::map<std::string, std::string> severity;  // loaded: one entry per event type
  std::optional<std::string> generator_url;
  Duration timeout{10'000};
  Duration max_backoff{5 * 60 * 1000};
  friend bool operator==(const AlertmanagerSinkConfig&, const AlertmanagerSinkConfig&) = default;
};

struct SinkConfig {
  std::string name;                // unique; the key of its cursor in sink_cursors
  std::vector<std::string> types;  // event types delivered; loaded: never empty
  std::variant<LogSinkConfig, JsonlSinkConfig, WebhookSinkConfig, AlertmanagerSinkConfig> settings;

  SinkType type() const noexcept { return static_cast<SinkType>(settings.index()); }
  bool accepts(std::string_view event_type) const noexcept;
  friend bool operator==(const SinkConfig&, const SinkConfig&) = default;
};

struct EventsConfig {
  BaselinePolicy baseline = BaselinePolicy::silent;
  int confirm_removals = 1;
  MassRemovalConfig mass_removal;
  CoverageConfig coverage;
  std::vector<SinkConfig> sinks;  // loaded default: one log sink
  friend bool operator==(const EventsConfig&, const EventsConfig&) = default;
};

// `shard`: this instance polls only the accounts whose stable hash falls in its shard, so that
// N instances with count N and indexes 0 … N-1 cover a large tenant between them.
struct ShardConfig {
  int index = 0;  // 0 … count-1
  int count = 1;  // 1 = every account
  friend bool operator==(const ShardConfig&, const ShardConfig&) = default;
};

// Whether the instance of `shard` polls the account: the 64-bit FNV-1a hash of its user_id (the
// bytes as written in the config), modulo count, equals index. Stable across versions,
// machines and restarts (docs/configuration.md shows how to compute it); count 1 takes all.
bool in_shard(std::string_view user_id, const ShardConfig& shard) noexcept;

struct MetricsConfig {
  bool enabled = true;
  HostPort listen{"127.0.0.1", 9464};
  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

enum class LogLevel { trace, debug, info, warn, error };

struct LogConfig {
  LogLevel level = LogLevel::info;
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct Config {
  std::filesystem::path source;  // the config file, absolute
  ApiConfig api;
  std::optional<AuthConfig> auth;  // the default; accounts[i].auth is already resolved
  std::vector<AccountConfig> accounts;  // at least one, user_ids unique
  std::vector<int> modules{100, 101, 102};
  PollConfig poll;
  DatabaseConfig database;
  EventsConfig events;
  ShardConfig shard;
  MetricsConfig metrics;
  LogConfig log;
  // Not errors: e.g. "config.yaml:7:20: auth.app_secret_file: secret file /x is readable by
  // group or others (mode 0644); chmod 600 /x". The CLI logs them.
  std::vector<std::string> warnings;
  friend bool operator==(const Config&, const Config&) = default;
};

std::string_view to_string(AuthMode mode) noexcept;
std::string_view to_string(BaselinePolicy baseline) noexcept;
std::string_view to_string(SinkType type) noexcept;
std::string_view to_string(LogLevel level) noexcept;

// One problem in a config file. line and column are 1-based; key is the dotted path
// ("accounts[1].user_id"), empty for problems of the file itself (unreadable, not YAML).
struct ConfigDiagnostic {
  std::string file;
  int line = 1;
  int column = 1;
  std::string key;
  std::string message;
  // "FILE:LINE:COLUMN: key: message" (or "FILE:LINE:COLUMN: message" without a key).
  std::string to_string() const;
  friend bool operator==(const ConfigDiagnostic&, const ConfigDiagnostic&) = default;
};

// Every problem of one load, in file order. what() is their to_string() lines joined by '\n'.
// The CLI exits 78 (EX_CONFIG) on it.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigDiagnostic> diagnostics);
  const std::vector<ConfigDiagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<ConfigDiagnostic> diagnostics_;
};

// Reads and validates a config file, and the secrets it names. Throws ConfigError.
Config load_config(const std::filesystem::path& file);

// The same from text; `origin` names the file in diagnostics and anchors relative paths.
Config parse_config(std::string_view yaml_text, const std::filesystem::path& origin);

// The effective configuration as YAML: every default filled in, each secret shown as "***"
// with where it came from. Never contains a secret's value.
std::string render_config(const Config& config);

// The reference section of docs/configuration.md (Markdown), generated from the schema table.
std::string config_reference_markdown();

// The same reference as troff (man macros), the generated part of man/koodrive-audit.yaml.5.
std::string config_reference_man();

}  // namespace kda
