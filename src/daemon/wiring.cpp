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
  return options;
}

SinkSet make_sinks(const Config& config) {
  SinkSet set;
  for (const SinkConfig& sink : config.events.sinks) {
    std::set<std::string> types(sink.types.begin(), sink.types.end());
    if (std::holds_alternative<LogSinkConfig>(sink.settings)) {
      set.sinks.push_back({make_log_sink(sink.name), std::move(types)});
    } else if (const auto* jsonl = std::get_if<JsonlSinkConfig>(&sink.settings)) {
      set.sinks.push_back({make_jsonl_sink(sink.name, jsonl->path), std::move(types)});
    } else {
      set.skipped.push_back("sink " + sink.name + ": type " + std::string(to_string(sink.type())) +
                            " is not implemented yet; its events are kept");
    }
  }
  return set;
}

}  // namespace kda::daemon
