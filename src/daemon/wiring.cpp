#include "cli/wiring.hpp"

namespace kda::cli {

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

}  // namespace kda::cli
