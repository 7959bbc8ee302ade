#include "sinks/refused_delivery.hpp"

#include "api/retry.hpp"

namespace kda {

namespace {

// A receiver's answer is quoted this far into an Error (and so into logs and `status`).
constexpr std::size_t body_excerpt_bytes = 200;

// The receiver's words for the log: at most 200 bytes, control characters as spaces (a line
// break must not forge a log line), and no UTF-8 sequence cut in half at the end.
std::string body_excerpt(std::string_view body) {
  if (body.empty()) return "empty body";
  std::string text(body.substr(0, body_excerpt_bytes));
  if (body.size() > body_excerpt_bytes) {
    std::size_t cut = text.size();
    while (cut > 0 && (static_cast<unsigned char>(text[cut - 1]) & 0xC0) == 0x80) --cut;
    if (cut > 0 && static_cast<unsigned char>(text[cut - 1]) >= 0xC0) {
      const auto lead = static_cast<unsigned char>(text[cut - 1]);
      const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
      if (text.size() - (cut - 1) < length) text.resize(cut - 1);
    }
  }
  for (char& c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = ' ';
  }
  return "body: " + text + (body.size() > body_excerpt_bytes ? "…" : "");
}

std::string without(std::string body, const std::vector<std::string>& credentials) {
  for (const std::string& credential : credentials) {
    if (credential.empty()) continue;
    for (auto at = body.find(credential); at != std::string::npos; at = body.find(credential, at + 3)) {
      body.replace(at, credential.size(), "***");
    }
  }
  return body;
}

}  // namespace

Error refused_delivery(const api::HttpResponse& response, std::string context, SystemTime now,
                       const std::vector<std::string>& sent_credentials) {
  Error error = make_error(errc::http_status, std::move(context),
                           body_excerpt(without(response.body, sent_credentials)));
  error.http_status = response.status;
  if (!response.retry_after.empty()) {
    error.retry_after = api::parse_retry_after(response.retry_after, now);
  }
  return error;
}

}  // namespace kda
