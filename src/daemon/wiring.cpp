#include "daemon/wiring.hpp"

namespace kda::daemon {

api::ClientOptions client_options(const Config& config) {
  api::ClientOptions options;
  options.base_url = config.api.base_url;
  options.ca_file = config.api.ca_file ? config.api.ca_file->string() : std::string{};
  options.timeout = config.api.timeout;
  options.max_concurrency = static_cast<std::size_t>(config.api.max_concurrency);
  options.max_requests_per_second = config.api.max_requests_per_second;
  options.retry.attempts = config.api.retry.attempts;
  options.retry.initial_backoff = config.api.retry.initial_backoff;
  options.retry.max_backoff = config.api.retry.max_backoff;
  options.max_response_bytes = static_cast<std::size_t>(config.api.max_response_bytes);
  return options;
}

api::Credentials credentials(const AccountConfig& account) {
  api::Credentials result;
  result.user_id = account.user_id;
  if (account.auth.mode == AuthMode::app) {
    result.mode = api::Credentials::Mode::app;
    result.app_id = account.auth.app_id;
    result.app_secret = account.auth.app_secret.reveal();
  } else {
    result.mode = api::Credentials::Mode::token;
    result.token = account.auth.token.reveal();
    result.token_format = account.auth.token_format;
  }
  return result;
}

DiffOptions diff_options(const Config& config) {
  DiffOptions options;
  options.baseline =
      config.events.baseline == BaselinePolicy::emit ? BaselineMode::emit : BaselineMode::silent;
  options.confirm_removals = config.events.confirm_removals;
  options.mass_removal.threshold = config.events.mass_removal.threshold;
  options.mass_removal.min_items = config.events.mass_removal.min_items;
  options.coverage.after_failures = config.events.coverage.after_failures;
  return options;
}

namespace {

std::vector<std::string> revealed(const std::vector<Secret>& secrets) {
  std::vector<std::string> values;
  for (const Secret& secret : secrets) values.push_back(secret.reveal());
  return values;
}

}  // namespace

SinkSet make_sinks(const Config& config, boost::asio::any_io_executor executor,
                   const Clock& clock) {
  SinkSet set;
  for (const SinkConfig& sink : config.events.sinks) {
    std::set<std::string> types(sink.types.begin(), sink.types.end());
    Result<std::unique_ptr<Sink>> built = make_error(errc::invalid_request, "sink " + sink.name);
    SinkBackoff backoff;
    if (std::holds_alternative<LogSinkConfig>(sink.settings)) {
      built = make_log_sink(sink.name);
    } else if (const auto* jsonl = std::get_if<JsonlSinkConfig>(&sink.settings)) {
      built = make_jsonl_sink(sink.name, jsonl->path);
    } else if (const auto* webhook = std::get_if<WebhookSinkConfig>(&sink.settings)) {
      WebhookSinkOptions options;
      options.name = sink.name;
      options.url = webhook->url;
      options.secrets = revealed(webhook->secrets);
      options.headers = webhook->headers;
      options.timeout = webhook->timeout;
      backoff.max = webhook->max_backoff;
      built = make_webhook_sink(executor, std::move(options), clock);
    } else if (const auto* alertmanager = std::get_if<AlertmanagerSinkConfig>(&sink.settings)) {
      AlertmanagerSinkOptions options;
      options.name = sink.name;
      options.urls = alertmanager->urls;
      options.alert_duration = alertmanager->alert_duration;
      options.severity = alertmanager->severity;
      options.generator_url = alertmanager->generator_url;
      options.timeout = alertmanager->timeout;
      backoff.max = alertmanager->max_backoff;
      built = make_alertmanager_sink(executor, std::move(options), clock);
    }
    backoff.initial = std::min(backoff.initial, backoff.max);
    if (!built) {
      set.skipped.push_back("sink " + sink.name + ": " + built.error().message() +
                            "; its events are kept");
      continue;
    }
    set.sinks.push_back({std::move(*built), std::move(types), backoff});
  }
  return set;
}

}  // namespace kda::daemon
