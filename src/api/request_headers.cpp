#include "api/request_headers.hpp"

#include <algorithm>

namespace kda::api {

namespace {

constexpr std::string_view token_placeholder = "{token}";

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

std::string request_target(const ApiRequest& request) {
  // Path segments are percent-encoded like the canonical URI, but the "/" stay as they are.
  std::string target;
  target.reserve(request.path.size() + 32);
  std::string_view path = request.path;
  while (!path.empty()) {
    const auto slash = path.find('/');
    append_uri_encoded(target, path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target += '/';
    path.remove_prefix(slash + 1);
  }
  for (std::size_t i = 0; i < request.query.size(); ++i) {
    target += i == 0 ? '?' : '&';
    append_uri_encoded(target, request.query[i].first);
    target += '=';
    append_uri_encoded(target, request.query[i].second);
  }
  return target;
}

std::string describe(const ApiRequest& request) {
  return request.method + " " + request_target(request);
}

std::string format_token(std::string_view token_format, std::string_view token) {
  std::string out;
  for (;;) {
    const auto pos = token_format.find(token_placeholder);
    out += token_format.substr(0, pos);
    if (pos == std::string_view::npos) break;
    out += token;
    token_format.remove_prefix(pos + token_placeholder.size());
  }
  return out;
}

std::optional<std::string> without_secrets(std::string_view text, const Credentials& credentials) {
  std::optional<std::string> out;
  for (const std::string* secret : {&credentials.token, &credentials.app_secret}) {
    if (secret->size() < min_redacted_bytes) continue;
    std::string_view current = out ? std::string_view(*out) : text;
    if (current.find(*secret) == std::string_view::npos) continue;
    std::string redacted;
    for (std::size_t from = 0;;) {
      const std::size_t at = current.find(*secret, from);
      redacted.append(current.substr(from, at - from));
      if (at == std::string_view::npos) break;
      redacted += "***";
      from = at + secret->size();
    }
    out = std::move(redacted);
  }
  return out;
}

Result<void> check_credentials(const Credentials& credentials, std::string_view context) {
  auto invalid = [&](std::string detail) {
    return make_error(errc::invalid_request, std::string(context), std::move(detail));
  };
  if (credentials.user_id.empty()) return invalid("no user id (X-User-Id)");
  if (has_control(credentials.user_id)) return invalid("user id has control characters");
  if (credentials.mode == Credentials::Mode::app) {
    if (credentials.app_id.empty()) return invalid("app mode without an app id");
    if (has_control(credentials.app_id)) return invalid("app id has control characters");
    if (credentials.app_secret.empty()) return invalid("app mode without an app secret");
  } else {
    if (credentials.token.empty()) return invalid("token mode without a token");
    if (has_control(credentials.token)) return invalid("token has control characters");
    if (credentials.token_format.find(token_placeholder) == std::string::npos) {
      return invalid("token_format has no {token}");
    }
    if (has_control(credentials.token_format)) return invalid("token_format has control characters");
  }
  return {};
}

Result<HeaderList> auth_headers(const Credentials& credentials, const ApiRequest& request,
                                std::string_view host_header, SystemTime now,
                                const SigningOptions& signing) {
  // describe() percent-encodes the whole target again; only a refusal needs it.
  if (!check_credentials(credentials, {})) {
    return check_credentials(credentials, describe(request)).error();
  }
  std::string x_date = format_x_date(now);
  std::string authorization;
  if (credentials.mode == Credentials::Mode::app) {
    // One per thread, assigned into: its strings keep their capacity from request to request
    // (a fresh one was six allocations per request). It holds no secret.
    thread_local RequestToSign to_sign;
    to_sign.method.assign(request.method);
    to_sign.path.assign(request.path);
    to_sign.query.assign(request.query.begin(), request.query.end());
    to_sign.host.assign(host_header);
    to_sign.x_date.assign(x_date);
    to_sign.user_id.assign(credentials.user_id);
    to_sign.body.clear();
    authorization = sign(to_sign, credentials.app_id, credentials.app_secret, signing);
  } else {
    authorization = format_token(credentials.token_format, credentials.token);
  }
  // Emplaced, not an initializer list: its elements are const and would be copied once more.
  HeaderList headers;
  headers.reserve(3);
  headers.emplace_back("Authorization", std::move(authorization));
  headers.emplace_back("X-User-Id", credentials.user_id);
  headers.emplace_back("X-Date", std::move(x_date));
  return headers;
}

}  // namespace kda::api
