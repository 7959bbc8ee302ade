#pragma once
// Expected failures as values. A fetch, an HTTP exchange, a JSON decode or a KooDrive
// `code != 0` returns Result<T>; only start-up, database errors and broken invariants throw.
//
// An Error carries a code (our category, or Asio/Beast/SSL's), the context it happened in
// (which request, which device, which field) and what the peer said. It never carries a secret.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

namespace kda {

enum class errc {
  timeout = 1,          // the request's deadline passed
  connection_failed,    // resolve / connect / TLS handshake / connection dropped
  http_status,          // HTTP status other than 200 (see Error::http_status)
  api_error,            // HTTP answer with KooDrive `code != 0` (see Error::api_code)
  malformed_response,   // not JSON, wrong shape, missing field, wrong type
  body_too_large,       // response body over the cap
  auth_rejected,        // 400 without a known code, 401, 403: credentials refused
  cancelled,            // stop requested
  invalid_request,      // our own input is unusable (e.g. a bad URL); permanent
};

const boost::system::error_category& error_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;

struct Error {
  boost::system::error_code code;
  std::string context;     // e.g. "GET /koodrive/ose/v1/backup/device/123/scope?moduleCode=101"
  std::string detail;      // what went wrong in that context, e.g. "scopeList[2].scopeId: expected string"
  int http_status = 0;     // 0 when no HTTP status was read
  std::int64_t api_code = 0;  // KooDrive `code`, 0 when none
  std::string api_msg;     // KooDrive `msg`
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header

  // Worth retrying: timeouts, connection errors, 429, 5xx, KooDrive's server-side codes.
  bool transient() const noexcept;
  // "GET …/scope?moduleCode=101: HTTP 400 code=13000102 (Verify parameters failed)"
  std::string message() const;
};

Error make_error(errc e, std::string context, std::string detail = {});

template <class T>
using Result = boost::system::result<T, Error>;

// boost::system::result::value() on an error throws this.
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(Error e) : std::runtime_error(e.message()), error_(std::move(e)) {}
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

// KooDrive business codes this project knows (koodrive-api.md §4).
inline constexpr std::int64_t api_code_bad_parameter = 13000102;      // permanent
inline constexpr std::int64_t api_code_server_failure = 13000201;     // transient

}  // namespace kda

template <>
struct boost::system::is_error_code_enum<kda::errc> : std::true_type {};
