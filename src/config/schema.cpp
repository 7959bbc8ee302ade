#include "config/schema.hpp"

#include "config/checks.hpp"

#include <array>

namespace kda::config {

namespace {

constexpr double ms = 1;
constexpr double second = 1000 * ms;
constexpr double minute = 60 * second;
constexpr double hour = 60 * minute;
constexpr double day = 24 * hour;
constexpr double KiB = 1024;
constexpr double GiB = KiB * KiB * KiB;

constexpr std::string_view event_types =
    "device.added|device.removed|device.changed|scope.added|scope.removed|scope.changed|"
    "audit.suspect_mass_removal|coverage.lost|coverage.restored";

// Adding a key: add its row here, read it in bind.cpp, write it in render.cpp, then run the
// config tests (the docs tests say how to refresh docs/configuration.md and the man page).
constexpr auto table = std::to_array<KeySpec>({
    // ---- api
    {.path = "api", .kind = Kind::mapping, .required = true,
     .help = "How to reach KooDrive."},
    {.path = "api.base_url", .kind = Kind::url, .required = true, .check = check_base_url,
     .rule = "https://, or http:// only to 127.0.0.1, ::1 or localhost; no path but an optional /",
     .help = "API root: https://intl.myhuaweicloud-koodrive.com (international) or "
             "https://cn.myhuaweicloud-koodrive.com (China); http://127.0.0.1:PORT for the simulator."},
    {.path = "api.ca_file", .kind = Kind::file,
     .help = "PEM bundle of trusted CAs instead of the system store. The peer certificate and "
             "host name are always verified."},
    {.path = "api.timeout", .kind = Kind::duration, .default_value = "10s", .min = 100 * ms, .max = 10 * minute,
     .help = "Deadline of one request: connect, TLS handshake, send and receive."},
    {.path = "api.max_concurrency", .kind = Kind::integer, .default_value = "8", .min = 1, .max = 1024,
     .help = "Requests in flight at once, for the whole daemon."},
    {.path = "api.max_requests_per_second", .kind = Kind::number, .default_value = "0", .min = 0,
     .help = "Rate limit over all requests; 0 = none. Fractions allowed (0.5 = one every 2s)."},
    {.path = "api.max_response_bytes", .kind = Kind::bytes, .default_value = "8MiB", .min = 1 * KiB, .max = 1 * GiB,
     .help = "A response body larger than this is a failed fetch."},
    {.path = "api.retry", .kind = Kind::mapping, .default_value = "{}",
     .help = "Retries of one request after 429, 5xx, a timeout or a dropped connection; "
             "a Retry-After header is honoured."},
    {.path = "api.retry.attempts", .kind = Kind::integer, .default_value = "4", .min = 1, .max = 20,
     .help = "Tries in all, the first included; 1 = no retry."},
    {.path = "api.retry.initial_backoff", .kind = Kind::duration, .default_value = "500ms", .min = 1 * ms, .max = 10 * minute,
     .help = "Backoff before the first retry; doubles each time, with jitter."},
    {.path = "api.retry.max_backoff", .kind = Kind::duration, .default_value = "30s", .min = 1 * ms, .max = 1 * hour,
     .rule = "at least initial_backoff",
     .help = "Longest backoff between two tries."},

    // ---- auth
    {.path = "auth", .kind = Kind::mapping,
     .rule = "required unless every account has its own auth",
     .help = "Credentials of every account that has no `auth` of its own."},
    {.path = "auth.mode", .kind = Kind::enumeration, .default_value = "app", .allowed = "app|token",
     .help = "`app`: HMAC-SHA256 request signatures with app_id and its secret. "
             "`token`: an access token sent in Authorization."},
    {.path = "auth.app_id", .kind = Kind::string, .required = true, .when = "mode=app", .check = check_app_id,
     .help = "The application's AppId (64 hex digits). Not a secret."},
    {.path = "auth.app_secret_file", .kind = Kind::secret_file, .required = true, .when = "mode=app",
     .group = "app_secret", .help = "File holding the AppSecret."},
    {.path = "auth.app_secret_env", .kind = Kind::secret_env, .required = true, .when = "mode=app",
     .group = "app_secret", .help = "Environment variable holding the AppSecret."},
    {.path = "auth.token_file", .kind = Kind::secret_file, .required = true, .when = "mode=token",
     .group = "token", .help = "File holding the access token; read at start and again before each poll, "
                               "so an external refresher can rotate it."},
    {.path = "auth.token_env", .kind = Kind::secret_env, .required = true, .when = "mode=token",
     .group = "token", .help = "Environment variable holding the access token."},
    {.path = "auth.token_format", .kind = Kind::string, .default_value = "\"Bearer {token}\"", .when = "mode=token",
     .check = check_token_format, .rule = "contains {token}",
     .help = "The Authorization header value, {token} replaced by the token (KooDrive's pages "
             "disagree on the form)."},

    // ---- accounts
    {.path = "accounts", .kind = Kind::list, .required = true, .min_items = 1,
     .rule = "user_ids unique",
     .help = "The KooDrive users to audit."},
    {.path = "accounts[].user_id", .kind = Kind::id, .required = true,
     .help = "The user's ID (X-User-Id). Quote it: IDs exceed 2^53 and YAML numbers would lose digits."},
    {.path = "accounts[].name", .kind = Kind::string,
     .help = "A label for humans, stored with the account."},
    {.path = "accounts[].auth", .kind = Kind::mapping, .same_as = "auth",
     .help = "This account's own credentials, replacing the top-level `auth` entirely; same keys."},

    // ---- modules
    {.path = "modules", .kind = Kind::int_set, .default_value = "[100, 101, 102]", .min_items = 1,
     .allowed = "100|101|102",
     .help = "Backup modules to audit: 100 folders, 101 albums, 102 address book."},

    // ---- poll
    {.path = "poll", .kind = Kind::mapping, .default_value = "{}", .help = "When to poll."},
    {.path = "poll.interval", .kind = Kind::duration, .default_value = "5m", .min = 1 * second,
     .help = "Time between the starts of two polls of an account."},
    {.path = "poll.jitter", .kind = Kind::percent, .default_value = "10%", .min = 0, .max = 0.5,
     .help = "Random spread of each poll time, as a share of the interval."},
    {.path = "poll.run_on_start", .kind = Kind::boolean, .default_value = "true",
     .help = "Poll as soon as the daemon starts, rather than one interval later."},

    // ---- database
    {.path = "database", .kind = Kind::mapping, .default_value = "{}", .help = "The audit database (SQLite)."},
    {.path = "database.path", .kind = Kind::path, .default_value = "/var/lib/koodrive-audit/audit.db",
     .help = "SQLite file; created if missing. Relative to the config file's directory."},
    {.path = "database.retention", .kind = Kind::duration, .default_value = "400d", .min = 0,
     .help = "How long events and poll records are kept; 0 = forever. The daemon prunes at start "
             "and daily; `koodrive-audit prune` prunes now."},

    // ---- events
    {.path = "events", .kind = Kind::mapping, .default_value = "{}", .help = "What is an event, and where events go."},
    {.path = "events.baseline", .kind = Kind::enumeration, .default_value = "silent", .allowed = "silent|emit",
     .help = "First fetch of a (device, module): `silent` records it without events; `emit` "
             "sends an added event for each item."},
    {.path = "events.confirm_removals", .kind = Kind::integer, .default_value = "1", .min = 1, .max = 100,
     .help = "Consecutive successful fetches an item must be missing from before it is removed."},
    {.path = "events.mass_removal", .kind = Kind::mapping, .default_value = "{}",
     .help = "When one poll would remove many items: audit.suspect_mass_removal."},
    {.path = "events.mass_removal.threshold", .kind = Kind::percent, .default_value = "50%", .min = 0.01, .max = 1,
     .help = "A poll that would remove more than this share of an account's live scopes (or "
             "devices), and at least min_items of them, holds those removals until the next "
             "poll confirms them, and raises audit.suspect_mass_removal."},
    {.path = "events.mass_removal.min_items", .kind = Kind::integer, .default_value = "5", .min = 1, .max = 1'000'000,
     .help = "The fewest removed items that can count as a mass removal."},
    {.path = "events.coverage", .kind = Kind::mapping, .default_value = "{}",
     .help = "When the audit stops seeing part of an account: coverage.lost / coverage.restored."},
    {.path = "events.coverage.after_failures", .kind = Kind::integer, .default_value = "3", .min = 1, .max = 1000,
     .help = "Consecutive failed polls of the device list, or of a (device, module), before "
             "coverage.lost; the next success raises coverage.restored."},
    {.path = "events.sinks", .kind = Kind::list, .default_value = "[{type: log}]",
     .rule = "names unique",
     .help = "Where events are delivered, each at least once, in order. An empty list keeps "
             "events in the database only."},
    {.path = "events.sinks[].type", .kind = Kind::enumeration, .required = true,
     .allowed = "log|jsonl|webhook|alertmanager",
     .help = "`log`: one log line per event. `jsonl`: appends JSON lines to a file. `webhook`: "
             "Standard Webhooks POST. `alertmanager`: Prometheus Alertmanager /api/v2/alerts."},
    {.path = "events.sinks[].name", .kind = Kind::string, .check = check_sink_name,
     .help = "Names the sink's delivery cursor. Default: the type, then type-2, type-3… for "
             "repeats; renaming a sink makes it start over, so name sinks you may reorder."},
    {.path = "events.sinks[].types", .kind = Kind::enum_set,
     .default_value = "[device.added, device.removed, device.changed, scope.added, scope.removed, "
                      "scope.changed, audit.suspect_mass_removal, coverage.lost, coverage.restored]",
     .min_items = 1, .allowed = event_types,
     .help = "Event types this sink receives."},
    {.path = "events.sinks[].path", .kind = Kind::path, .required = true, .when = "type=jsonl",
     .help = "File the events are appended to; relative to the config file's directory."},
    {.path = "events.sinks[].url", .kind = Kind::url, .required = true, .when = "type=webhook|alertmanager",
     .group = "url", .check = check_sink_url, .help = "Endpoint. For alertmanager the base URL; /api/v2/alerts is appended."},
    {.path = "events.sinks[].urls", .kind = Kind::url_list, .required = true, .min_items = 1,
     .when = "type=alertmanager", .group = "url", .check = check_sink_url,
     .help = "Several Alertmanager instances of one cluster; each receives every alert."},
    {.path = "events.sinks[].secret_file", .kind = Kind::secret_file, .required = true, .when = "type=webhook",
     .group = "secret", .help = "File holding the signing secret (whsec_… base64)."},
    {.path = "events.sinks[].secret_env", .kind = Kind::secret_env, .required = true, .when = "type=webhook",
     .group = "secret", .help = "Environment variable holding the signing secret."},
    {.path = "events.sinks[].secrets", .kind = Kind::list, .required = true, .min_items = 1, .when = "type=webhook",
     .group = "secret", .help = "Several signing secrets during key rotation: each signs every request."},
    {.path = "events.sinks[].secrets[].file", .kind = Kind::secret_file, .required = true, .group = "source",
     .help = "File holding one signing secret."},
    {.path = "events.sinks[].secrets[].env", .kind = Kind::secret_env, .required = true, .group = "source",
     .help = "Environment variable holding one signing secret."},
    {.path = "events.sinks[].headers", .kind = Kind::string_map, .default_value = "{}", .when = "type=webhook",
     .check = check_header_value, .key_check = check_header_name,
     .rule = "not Content-Type, Content-Length, Host or webhook-*",
     .help = "Extra request headers. Shown by check-config: put no credentials here."},
    {.path = "events.sinks[].timeout", .kind = Kind::duration, .default_value = "10s", .min = 100 * ms,
     .max = 10 * minute, .when = "type=webhook|alertmanager", .help = "Deadline of one delivery request."},
    {.path = "events.sinks[].max_backoff", .kind = Kind::duration, .default_value = "5m", .min = 1 * second,
     .max = 1 * day, .when = "type=webhook|alertmanager",
     .help = "Longest wait between two delivery attempts while the endpoint fails."},
    {.path = "events.sinks[].alert_duration", .kind = Kind::duration, .default_value = "1h", .min = 1 * minute,
     .max = 30 * day, .when = "type=alertmanager", .help = "An alert's endsAt, after its event."},
    {.path = "events.sinks[].severity", .kind = Kind::string_map,
     .default_value = "{device.added: warning, device.removed: critical, device.changed: warning, "
                      "scope.added: warning, scope.removed: critical, scope.changed: warning, "
                      "audit.suspect_mass_removal: critical, coverage.lost: warning, coverage.restored: warning}",
     .allowed = event_types, .when = "type=alertmanager", .check = check_severity,
     .help = "The `severity` label per event type; entries given replace those of the default."},
    {.path = "events.sinks[].generator_url", .kind = Kind::url, .when = "type=alertmanager",
     .help = "The alerts' generatorURL, e.g. a dashboard."},

    // ---- shard
    {.path = "shard", .kind = Kind::mapping, .default_value = "{}",
     .help = "Split the accounts across instances: this one polls only the accounts whose stable "
             "hash falls in its shard (README, Scaling past one machine)."},
    {.path = "shard.index", .kind = Kind::integer, .default_value = "0", .min = 0, .max = 1023,
     .rule = "less than shard.count",
     .help = "This instance's shard, 0 … count-1."},
    {.path = "shard.count", .kind = Kind::integer, .default_value = "1", .min = 1, .max = 1024,
     .help = "Instances sharing the accounts; 1 = this one polls every account."},

    // ---- metrics, log
    {.path = "metrics", .kind = Kind::mapping, .default_value = "{}",
     .help = "Prometheus endpoint: /metrics (text format) and /healthz."},
    {.path = "metrics.enabled", .kind = Kind::boolean, .default_value = "true", .help = "Serve the endpoint."},
    {.path = "metrics.listen", .kind = Kind::host_port, .default_value = "127.0.0.1:9464",
     .help = "Address to listen on; port 0 picks a free port."},
    {.path = "log", .kind = Kind::mapping, .default_value = "{}", .help = "Logging (to journald under systemd)."},
    {.path = "log.level", .kind = Kind::enumeration, .default_value = "info",
     .allowed = "trace|debug|info|warn|error", .help = "Least severe level written."},
});

}  // namespace

std::span<const KeySpec> schema() { return table; }

const KeySpec* find_key(std::string_view path) {
  for (const auto& spec : table) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

std::vector<const KeySpec*> children_of(std::string_view path) {
  std::vector<const KeySpec*> children;
  for (const auto& spec : table) {
    const std::string_view p = spec.path;
    if (path.empty()) {
      if (p.find('.') == std::string_view::npos) children.push_back(&spec);
    } else if (p.size() > path.size() + 1 && p.starts_with(path) && p[path.size()] == '.' &&
               p.substr(path.size() + 1).find('.') == std::string_view::npos) {
      children.push_back(&spec);
    }
  }
  return children;
}

std::string_view key_name(const KeySpec& spec) {
  const auto dot = spec.path.rfind('.');
  return dot == std::string_view::npos ? spec.path : spec.path.substr(dot + 1);
}

std::vector<std::string_view> split_allowed(std::string_view allowed) {
  std::vector<std::string_view> values;
  while (!allowed.empty()) {
    const auto bar = allowed.find('|');
    values.push_back(allowed.substr(0, bar));
    if (bar == std::string_view::npos) break;
    allowed.remove_prefix(bar + 1);
  }
  return values;
}

}  // namespace kda::config
