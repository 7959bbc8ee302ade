// The effective configuration as YAML, for check-config. Written by hand rather than through
// a YAML emitter so that a secret can stand as "***" with a comment saying where it came from;
// Secret::reveal() is never called in this file.
#include "config/units.hpp"
#include "koodrive_audit/config.hpp"

#include <cstdio>
#include <string>

namespace kda {

std::string_view to_string(AuthMode mode) noexcept { return mode == AuthMode::app ? "app" : "token"; }

std::string_view to_string(BaselinePolicy baseline) noexcept {
  return baseline == BaselinePolicy::silent ? "silent" : "emit";
}

std::string_view to_string(SinkType type) noexcept {
  switch (type) {
    case SinkType::log: return "log";
    case SinkType::jsonl: return "jsonl";
    case SinkType::webhook: return "webhook";
    case SinkType::alertmanager: return "alertmanager";
  }
  return "unknown";
}

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "unknown";
}

namespace {

using config::format_bytes;
using config::format_duration;
using config::format_number;
using config::format_percent;

// A YAML double-quoted scalar.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string flow_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

// Header names that usually carry credentials: their values are masked like secrets.
bool sensitive_header(std::string name) {
  for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (std::string_view word : {"auth", "token", "secret", "key", "cookie", "password", "signature", "session"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return false;
}

class Writer {
 public:
  void line(int depth, std::string_view text) {
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  void key(int depth, std::string_view name, std::string_view value = {}) {
    line(depth, std::string(name) + ":" + (value.empty() ? "" : " " + std::string(value)));
  }
  void secret(int depth, std::string_view name, const Secret& secret, std::string_view note = {}) {
    key(depth, name, "\"***\"  # from " + secret.describe() + std::string(note));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void write_auth(Writer& w, int depth, const AuthConfig& auth) {
  w.key(depth, "mode", to_string(auth.mode));
  if (auth.mode == AuthMode::app) {
    w.key(depth, "app_id", quote(auth.app_id));
    w.secret(depth, "app_secret", auth.app_secret);
  } else {
    w.secret(depth, "token", auth.token,
             auth.token.source() == Secret::Source::file ? "; re-read before each poll" : "");
    w.key(depth, "token_format", quote(auth.token_format));
  }
}

void write_sink(Writer& w, const SinkConfig& sink) {
  w.line(2, "- type: " + std::string(to_string(sink.type())));
  const int d = 3;
  w.key(d, "name", quote(sink.name));
  w.key(d, "types", flow_list(sink.types));
  if (const auto* jsonl = std::get_if<JsonlSinkConfig>(&sink.settings)) {
    w.key(d, "path", quote(jsonl->path.string()));
  } else if (const auto* webhook = std::get_if<WebhookSinkConfig>(&sink.settings)) {
    // As in the sink's own errors: a receiver's query may carry its token.
    if (const auto query = webhook->url.find('?'); query != std::string::npos) {
      w.key(d, "url", quote(webhook->url.substr(0, query) + "?***") + "  # the query is not shown: it may hold a token");
    } else {
      w.key(d, "url", quote(webhook->url));
    }
    w.key(d, "secrets");
    for (const auto& secret : webhook->secrets) w.line(d + 1, "- \"***\"  # from " + secret.describe());
    w.key(d, "headers", webhook->headers.empty() ? "{}" : "");
    for (const auto& [name, value] : webhook->headers)
      w.key(d + 1, quote(name), sensitive_header(name) ? "\"***\"  # masked: the name suggests a credential"
                                                       : quote(value));
    w.key(d, "timeout", format_duration(webhook->timeout));
    w.key(d, "max_backoff", format_duration(webhook->max_backoff));
  } else if (const auto* am = std::get_if<AlertmanagerSinkConfig>(&sink.settings)) {
    w.key(d, "urls");
    for (const auto& url : am->urls) w.line(d + 1, "- " + quote(url));
    w.key(d, "alert_duration", format_duration(am->alert_duration));
    w.key(d, "severity");
    for (const auto& [type, severity] : am->severity) w.key(d + 1, type, quote(severity));
    w.key(d, "generator_url", am->generator_url ? quote(*am->generator_url) : "~");
    w.key(d, "timeout", format_duration(am->timeout));
    w.key(d, "max_backoff", format_duration(am->max_backoff));
  }
}

}  // namespace

std::string render_config(const Config& config) {
  Writer w;
  w.line(0, "# Effective configuration of " + config.source.string());
  w.line(0, "# Every default filled in; secrets are never shown.");
  w.key(0, "api");
  w.key(1, "base_url", quote(config.api.base_url));
  w.key(1, "ca_file", config.api.ca_file ? quote(config.api.ca_file->string()) : "~  # the system trust store");
  w.key(1, "timeout", format_duration(config.api.timeout));
  w.key(1, "max_concurrency", std::to_string(config.api.max_concurrency));
  w.key(1, "max_requests_per_second", format_number(config.api.max_requests_per_second));
  w.key(1, "max_response_bytes", format_bytes(config.api.max_response_bytes));
  w.key(1, "retry");
  w.key(2, "attempts", std::to_string(config.api.retry.attempts));
  w.key(2, "initial_backoff", format_duration(config.api.retry.initial_backoff));
  w.key(2, "max_backoff", format_duration(config.api.retry.max_backoff));

  if (config.auth) {
    w.key(0, "auth");
    write_auth(w, 1, *config.auth);
  } else {
    w.key(0, "auth", "~  # every account has its own");
  }

  w.key(0, "accounts");
  for (const auto& account : config.accounts) {
    w.line(1, "- user_id: " + quote(account.user_id));
    w.key(2, "name", account.name ? quote(*account.name) : "~");
    if (account.own_auth) {
      w.key(2, "auth");
      write_auth(w, 3, account.auth);
    }
  }

  std::vector<std::string> modules;
  for (int m : config.modules) modules.push_back(std::to_string(m));
  w.key(0, "modules", flow_list(modules));

  w.key(0, "poll");
  w.key(1, "interval", format_duration(config.poll.interval));
  w.key(1, "jitter", format_percent(config.poll.jitter));
  w.key(1, "run_on_start", config.poll.run_on_start ? "true" : "false");

  w.key(0, "database");
  w.key(1, "path", quote(config.database.path.string()));
  w.key(1, "retention", format_duration(config.database.retention) +
                            (config.database.retention.count() == 0 ? "  # keep forever" : ""));

  w.key(0, "events");
  w.key(1, "baseline", to_string(config.events.baseline));
  w.key(1, "confirm_removals", std::to_string(config.events.confirm_removals));
  w.key(1, "mass_removal");
  w.key(2, "threshold", format_percent(config.events.mass_removal.threshold));
  w.key(2, "min_items", std::to_string(config.events.mass_removal.min_items));
  w.key(1, "coverage");
  w.key(2, "after_failures", std::to_string(config.events.coverage.after_failures));
  w.key(1, "sinks", config.events.sinks.empty() ? "[]" : "");
  for (const auto& sink : config.events.sinks) write_sink(w, sink);

  w.key(0, "shard");
  w.key(1, "index", std::to_string(config.shard.index));
  w.key(1, "count", std::to_string(config.shard.count));
  w.key(0, "metrics");
  w.key(1, "enabled", config.metrics.enabled ? "true" : "false");
  w.key(1, "listen", quote(config.metrics.listen.to_string()));
  w.key(0, "log");
  w.key(1, "level", to_string(config.log.level));
  return w.take();
}

}  // namespace kda
