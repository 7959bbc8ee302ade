#include "koodrive_audit/error.hpp"

#include <boost/asio/error.hpp>

namespace kda {

namespace {

class Category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "koodrive-audit"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::timeout: return "timed out";
      case errc::connection_failed: return "connection failed";
      case errc::http_status: return "unexpected HTTP status";
      case errc::api_error: return "KooDrive API error";
      case errc::malformed_response: return "malformed response";
      case errc::body_too_large: return "response body too large";
      case errc::auth_rejected: return "authentication rejected";
      case errc::cancelled: return "cancelled";
      case errc::invalid_request: return "invalid request";
    }
    return "unknown error";
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

Error make_error(errc e, std::string context, std::string detail) {
  Error error;
  error.code = make_error_code(e);
  error.context = std::move(context);
  error.detail = std::move(detail);
  return error;
}

bool Error::transient() const noexcept {
  if (code.category() == error_category()) {
    switch (static_cast<errc>(code.value())) {
      case errc::timeout:
      case errc::connection_failed:
        return true;
      case errc::http_status:
        return http_status == 429 || http_status >= 500;
      case errc::api_error:
        // The server said so; a 5xx or 429 wrapper is transient whatever the code.
        return api_code == api_code_server_failure || http_status == 429 || http_status >= 500;
      case errc::malformed_response:
        // A truncated or garbled body is more likely a broken connection than a contract change.
        return true;
      case errc::body_too_large:
      case errc::auth_rejected:
      case errc::cancelled:
      case errc::invalid_request:
        return false;
    }
    return false;
  }
  // Asio, Beast and OpenSSL errors are transport trouble: worth another try.
  return code != boost::asio::error::operation_aborted;
}

std::string Error::message() const {
  std::string text = context.empty() ? std::string{} : context + ": ";
  if (code.category() == error_category() && code.value() == static_cast<int>(errc::http_status)) {
    text += "HTTP " + std::to_string(http_status);
  } else {
    text += code.message();
    if (http_status != 0) text += " (HTTP " + std::to_string(http_status) + ")";
  }
  if (api_code != 0) {
    text += " code=" + std::to_string(api_code);
    if (!api_msg.empty()) text += " (" + api_msg + ")";
  }
  if (!detail.empty()) text += ": " + detail;
  return text;
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ErrorException(e);
}

}  // namespace kda
