// From the checked tree to kda::Config, plus the rules that span several keys (account
// uniqueness, inherited auth, sink names, backoff order). Every key is read through the schema:
// asking for a key without a row throws std::logic_error, so a typo here fails the tests.
#include "config/checked.hpp"
#include "config/file_mode.hpp"
#include "config/units.hpp"

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

namespace kda {

bool SinkConfig::accepts(std::string_view event_type) const noexcept {
  return std::find(types.begin(), types.end(), event_type) != types.end();
}

bool in_shard(std::string_view user_id, const ShardConfig& shard) noexcept {
  if (shard.count <= 1) return true;
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64: offset basis, then per byte
  for (const char c : user_id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash % static_cast<std::uint64_t>(shard.count) == static_cast<std::uint64_t>(shard.index);
}

namespace config {

namespace {

const Checked* get(const Checked& mapping, std::string_view key) {
  const std::string row = mapping.schema_path.empty() ? std::string(key) : mapping.schema_path + "." + std::string(key);
  if (find_key(row) == nullptr) throw std::logic_error("config: the schema has no key " + row);
  return mapping.child(key);
}

template <class V>
const V* value_of(const Checked& mapping, std::string_view key) {
  const Checked* c = get(mapping, key);
  return c == nullptr ? nullptr : std::get_if<V>(&c->value);
}

// Leaves `target` (its struct default) alone when the key is absent or was invalid.
template <class V, class T>
void set(T& target, const Checked& mapping, std::string_view key) {
  if (const V* v = value_of<V>(mapping, key)) target = static_cast<T>(*v);
}

class Binder {
 public:
  explicit Binder(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  Config bind(const Checked& root) {
    Config config;
    if (const Checked* api = get(root, "api")) config.api = bind_api(*api);
    if (const Checked* auth = get(root, "auth")) config.auth = bind_auth(*auth);
    if (const Checked* accounts = get(root, "accounts")) config.accounts = bind_accounts(*accounts, root, config.auth);
    if (const auto* modules = value_of<std::vector<std::int64_t>>(root, "modules")) {
      config.modules.clear();
      for (auto m : *modules) config.modules.push_back(static_cast<int>(m));
    }
    if (const Checked* poll = get(root, "poll")) {
      set<Duration>(config.poll.interval, *poll, "interval");
      set<double>(config.poll.jitter, *poll, "jitter");
      set<bool>(config.poll.run_on_start, *poll, "run_on_start");
    }
    if (const Checked* database = get(root, "database")) {
      set<std::string>(config.database.path, *database, "path");
      set<Duration>(config.database.retention, *database, "retention");
    }
    if (const Checked* events = get(root, "events")) config.events = bind_events(*events);
    if (const Checked* shard = get(root, "shard")) {
      set<std::int64_t>(config.shard.index, *shard, "index");
      set<std::int64_t>(config.shard.count, *shard, "count");
      if (config.shard.index >= config.shard.count) {
        const Checked* index = get(*shard, "index");
        const Checked& blame = index != nullptr ? *index : *shard;
        error(blame.at, blame.path,
              "must be less than shard.count (" + std::to_string(config.shard.count) + ")");
      }
    }
    if (const Checked* metrics = get(root, "metrics")) {
      set<bool>(config.metrics.enabled, *metrics, "enabled");
      set<HostPort>(config.metrics.listen, *metrics, "listen");
    }
    if (const Checked* log = get(root, "log")) {
      if (const auto* level = value_of<std::string>(*log, "level")) {
        constexpr std::array levels{LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error};
        for (auto l : levels) {
          if (to_string(l) == *level) config.log.level = l;
        }
      }
    }
    return config;
  }

 private:
  void error(Position at, std::string path, std::string message) {
    diagnostics_.error(at, std::move(path), std::move(message));
  }

  ApiConfig bind_api(const Checked& api) {
    ApiConfig out;
    if (const auto* url = value_of<std::string>(api, "base_url")) {
      out.base_url = *url;
      if (out.base_url.ends_with('/')) out.base_url.pop_back();
    }
    set<std::string>(out.ca_file, api, "ca_file");
    set<Duration>(out.timeout, api, "timeout");
    set<std::int64_t>(out.max_concurrency, api, "max_concurrency");
    set<double>(out.max_requests_per_second, api, "max_requests_per_second");
    set<std::int64_t>(out.max_response_bytes, api, "max_response_bytes");
    if (const Checked* retry = get(api, "retry")) {
      set<std::int64_t>(out.retry.attempts, *retry, "attempts");
      set<Duration>(out.retry.initial_backoff, *retry, "initial_backoff");
      set<Duration>(out.retry.max_backoff, *retry, "max_backoff");
      const Checked* initial = get(*retry, "initial_backoff");
      const Checked* max = get(*retry, "max_backoff");
      if (initial != nullptr && max != nullptr && out.retry.max_backoff < out.retry.initial_backoff) {
        const Checked& blame = max->given || !initial->given ? *max : *initial;
        error(blame.at, blame.path,
              "max_backoff (" + format_duration(out.retry.max_backoff) + ") must be at least initial_backoff (" +
                  format_duration(out.retry.initial_backoff) + ")");
      }
    }
    return out;
  }

  static AuthConfig bind_auth(const Checked& auth) {
    AuthConfig out;
    if (const auto* mode = value_of<std::string>(auth, "mode"))
      out.mode = *mode == "token" ? AuthMode::token : AuthMode::app;
    set<std::string>(out.app_id, auth, "app_id");
    set<Secret>(out.app_secret, auth, "app_secret_file");
    set<Secret>(out.app_secret, auth, "app_secret_env");
    set<Secret>(out.token, auth, "token_file");
    set<Secret>(out.token, auth, "token_env");
    set<std::string>(out.token_format, auth, "token_format");
    return out;
  }

  std::vector<AccountConfig> bind_accounts(const Checked& accounts, const Checked& root,
                                           const std::optional<AuthConfig>& default_auth) {
    std::vector<AccountConfig> out;
    std::map<std::string, const Checked*> first_by_id;
    std::vector<const Checked*> without_auth;
    for (const Checked& item : accounts.items) {
      AccountConfig account;
      set<std::string>(account.user_id, item, "user_id");
      set<std::string>(account.name, item, "name");
      if (const Checked* own = get(item, "auth")) {
        account.auth = bind_auth(*own);
        account.own_auth = true;
      } else if (default_auth) {
        account.auth = *default_auth;
      } else {
        without_auth.push_back(&item);
      }
      if (const Checked* id = get(item, "user_id")) {
        auto [first, inserted] = first_by_id.emplace(account.user_id, id);
        if (!inserted)
          error(id->at, id->path, "user_id \"" + account.user_id + "\" is listed twice (first at " +
                                      first->second->path + ", line " + std::to_string(first->second->at.line) + ")");
      }
      out.push_back(std::move(account));
    }
    // A top-level auth that is present but broken was reported already; do not add noise.
    const bool auth_written_but_invalid = diagnostics_.has_error_under("auth");
    if (!default_auth && !without_auth.empty() && !auth_written_but_invalid) {
      if (without_auth.size() == accounts.items.size()) {
        error(root.at, "auth", "missing required key (no account has an auth of its own)");
      } else {
        for (const Checked* item : without_auth)
          error(item->at, item->path + ".auth", "missing required key (there is no top-level auth to inherit)");
      }
    }
    return out;
  }

  EventsConfig bind_events(const Checked& events) {
    EventsConfig out;
    if (const auto* baseline = value_of<std::string>(events, "baseline"))
      out.baseline = *baseline == "emit" ? BaselinePolicy::emit : BaselinePolicy::silent;
    set<std::int64_t>(out.confirm_removals, events, "confirm_removals");
    if (const Checked* mass = get(events, "mass_removal")) {
      set<double>(out.mass_removal.threshold, *mass, "threshold");
      set<std::int64_t>(out.mass_removal.min_items, *mass, "min_items");
    }
    if (const Checked* coverage = get(events, "coverage"))
      set<std::int64_t>(out.coverage.after_failures, *coverage, "after_failures");
    if (const Checked* sinks = get(events, "sinks")) out.sinks = bind_sinks(*sinks);
    return out;
  }

  std::vector<SinkConfig> bind_sinks(const Checked& sinks) {
    std::vector<SinkConfig> out;
    std::map<std::string, int> unnamed_count;  // per type
    std::map<std::string, const Checked*> first_by_name;
    for (const Checked& item : sinks.items) {
      const auto* type = value_of<std::string>(item, "type");
      if (type == nullptr) continue;  // reported
      SinkConfig sink;
      const Checked* explicit_name = get(item, "name");
      if (explicit_name != nullptr) {
        set<std::string>(sink.name, item, "name");
      } else {
        const int n = ++unnamed_count[*type];
        sink.name = n == 1 ? *type : *type + "-" + std::to_string(n);
      }
      set<std::vector<std::string>>(sink.types, item, "types");
      sink.settings = bind_sink_settings(*type, item);
      const Checked& blame = explicit_name != nullptr ? *explicit_name : item;
      auto [first, inserted] = first_by_name.emplace(sink.name, &item);
      if (!inserted)
        error(blame.at, blame.path, "sink name '" + sink.name + "' is already used by " + first->second->path +
                                        "; give each sink a distinct name");
      out.push_back(std::move(sink));
    }
    return out;
  }

  static decltype(SinkConfig::settings) bind_sink_settings(const std::string& type, const Checked& item) {
    if (type == "jsonl") {
      JsonlSinkConfig jsonl;
      set<std::string>(jsonl.path, item, "path");
      return jsonl;
    }
    if (type == "webhook") {
      WebhookSinkConfig webhook;
      set<std::string>(webhook.url, item, "url");
      for (auto key : {"secret_file", "secret_env"}) {
        if (const auto* secret = value_of<Secret>(item, key)) webhook.secrets.push_back(*secret);
      }
      if (const Checked* secrets = get(item, "secrets")) {
        for (const Checked& entry : secrets->items) {
          for (auto key : {"file", "env"}) {
            if (const auto* secret = value_of<Secret>(entry, key)) webhook.secrets.push_back(*secret);
          }
        }
      }
      set<std::map<std::string, std::string>>(webhook.headers, item, "headers");
      set<Duration>(webhook.timeout, item, "timeout");
      set<Duration>(webhook.max_backoff, item, "max_backoff");
      return webhook;
    }
    if (type == "alertmanager") {
      AlertmanagerSinkConfig alertmanager;
      if (const auto* url = value_of<std::string>(item, "url")) alertmanager.urls.push_back(*url);
      set<std::vector<std::string>>(alertmanager.urls, item, "urls");
      set<Duration>(alertmanager.alert_duration, item, "alert_duration");
      set<std::map<std::string, std::string>>(alertmanager.severity, item, "severity");
      set<std::string>(alertmanager.generator_url, item, "generator_url");
      set<Duration>(alertmanager.timeout, item, "timeout");
      set<Duration>(alertmanager.max_backoff, item, "max_backoff");
      return alertmanager;
    }
    return LogSinkConfig{};
  }

  Diagnostics& diagnostics_;
};

std::optional<std::string> read_text_file(const std::filesystem::path& file, std::string& error) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace

}  // namespace config

Config parse_config(std::string_view yaml_text, const std::filesystem::path& origin) {
  config::Diagnostics diagnostics(origin.string());
  YAML::Node document;
  try {
    document = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    diagnostics.error(config::position_of(e.mark), "", "invalid YAML: " + e.msg);
    throw ConfigError(diagnostics.take_errors());
  }
  const auto source = std::filesystem::absolute(origin).lexically_normal();
  config::Context context{diagnostics, source.parent_path(), std::nullopt};
  const config::Checked root = config::validate_document(document, context);
  Config config = config::Binder(diagnostics).bind(root);
  if (diagnostics.has_errors()) throw ConfigError(diagnostics.take_errors());
  config.source = source;
  config.warnings = diagnostics.take_warnings();
  return config;
}

Config load_config(const std::filesystem::path& file) {
  std::string error;
  auto text = config::read_text_file(file, error);
  if (!text) throw ConfigError({{file.string(), 1, 1, "", "cannot read the config file: " + error}});
  Config config = parse_config(*text, file);
  if (std::string mode = config::config_file_mode_warning(file); !mode.empty())
    config.warnings.insert(config.warnings.begin(), ConfigDiagnostic{file.string(), 1, 1, "", mode}.to_string());
  return config;
}

}  // namespace kda
