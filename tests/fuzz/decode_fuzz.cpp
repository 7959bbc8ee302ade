// Fuzz target: KooDrive response bodies through the decoder (src/api/decode.hpp).
//
// The input is a body as a peer could send it. Each goes through every entry point: the device
// list, the scope list for each module, and error_from_status for statuses that take different
// paths. Beyond "no crash, no exception" (decode.hpp: never throws), what must hold:
//  - every error names the request it was given, carries our category and a kind the header
//    lists for that entry point;
//  - Error::message() stays one log line (no control byte), and `detail` is printable ASCII;
//  - a decoded ID is 1..32 decimal digits; a decoded scope is of the module asked for and has a
//    path; a device or scope list decoded with the envelope's minimum depth decodes the same
//    with the default limits;
//  - error_from_status maps the status as its header says, with a detail exactly when no
//    business code was read.
#include "api/decode.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace kda;
using namespace kda::api;
using fuzz::decimal_digits;
using fuzz::no_control_bytes;
using fuzz::printable_ascii;

constexpr std::string_view device_context = "GET /koodrive/ose/v1/backup/device";
constexpr std::string_view scope_context =
    "GET /koodrive/ose/v1/backup/device/1775406005920779393/scope?moduleCode=";
constexpr std::size_t max_id_digits = 32;  // decode.hpp: IDs are 1..32 decimal digits
constexpr DecodeLimits envelope_depth{3};  // decode.hpp: "the envelopes need 3"

bool is(const Error& error, errc kind) { return error.code == make_error_code(kind); }

bool is_id(std::string_view id) { return decimal_digits(id) && id.size() <= max_id_digits; }

void check_error(const Error& error, std::string_view context) {
  KDA_FUZZ_CHECK(error.context == context, "an error names the request it was given");
  KDA_FUZZ_CHECK(error.code.category() == error_category(), "a decode error is of our category");
  KDA_FUZZ_CHECK(printable_ascii(error.detail), "peer bytes in a detail are escaped");
  KDA_FUZZ_CHECK(no_control_bytes(error.message()), "an error's message is one log line");
  (void)error.transient();
}

// A failed decode of a 200 answer: malformed, or the peer's `code != 0`.
void check_decode_error(const Error& error, std::string_view context) {
  check_error(error, context);
  KDA_FUZZ_CHECK(is(error, errc::malformed_response) || is(error, errc::api_error),
                 "a body fails as malformed or as an API error");
  if (is(error, errc::api_error)) {
    KDA_FUZZ_CHECK(error.api_code != 0, "an API error carries the peer's non-zero code");
    KDA_FUZZ_CHECK(error.detail.empty(), "an API error's words are the peer's msg, not a detail");
  } else {
    KDA_FUZZ_CHECK(!error.detail.empty(), "a malformed body says what is wrong");
    KDA_FUZZ_CHECK(error.api_code == 0, "a malformed body has no API code");
  }
}

void check_devices(std::string_view body) {
  const auto devices = decode_device_list(body, device_context);
  if (!devices) {
    check_decode_error(devices.error(), device_context);
  } else {
    for (const Device& device : *devices) {
      KDA_FUZZ_CHECK(is_id(device.device_id), "a decoded deviceId is 1..32 decimal digits");
    }
  }
  // Limits only refuse: what decodes at the envelope's depth decodes the same at the default.
  const auto shallow = decode_device_list(body, device_context, envelope_depth);
  if (shallow) {
    KDA_FUZZ_CHECK(devices && *devices == *shallow, "a lower depth limit only refuses");
  } else {
    check_decode_error(shallow.error(), device_context);
  }
}

void check_scopes(std::string_view body, int module, std::string_view context) {
  const auto scopes = decode_scope_list(body, module, context);
  if (!scopes) {
    check_decode_error(scopes.error(), context);
  } else {
    for (const Scope& scope : *scopes) {
      KDA_FUZZ_CHECK(is_id(scope.scope_id), "a decoded scopeId is 1..32 decimal digits");
      KDA_FUZZ_CHECK(scope.module_code == module, "a decoded scope is of the module asked for");
      KDA_FUZZ_CHECK(!scope.local_path.empty() || !scope.target_folder_path.empty(),
                     "a decoded scope has a path");
    }
  }
  const auto shallow = decode_scope_list(body, module, context, envelope_depth);
  if (shallow) {
    KDA_FUZZ_CHECK(scopes && *scopes == *shallow, "a lower depth limit only refuses");
  } else {
    check_decode_error(shallow.error(), context);
  }
}

void check_status(int status, std::string_view body) {
  constexpr std::string_view context = "GET /koodrive/ose/v1/backup/device";
  const Error error = error_from_status(status, body, context);
  check_error(error, context);
  KDA_FUZZ_CHECK(error.http_status == status, "error_from_status keeps the status");
  const bool business_code = error.api_code >= 13000000 && error.api_code <= 13999999;
  if (status == 401 || status == 403) {
    KDA_FUZZ_CHECK(is(error, errc::auth_rejected), "401 and 403 are auth_rejected");
  } else if (status == 400) {
    KDA_FUZZ_CHECK(is(error, business_code ? errc::api_error : errc::auth_rejected),
                   "400 is an API error with a business code, auth_rejected without");
  } else {
    KDA_FUZZ_CHECK(is(error, errc::http_status), "other statuses are http_status");
    KDA_FUZZ_CHECK(error.transient() == (status == 429 || status >= 500),
                   "only 429 and 5xx are transient");
  }
  if (error.api_code == 0) {
    KDA_FUZZ_CHECK(!error.detail.empty(), "without a code, the detail quotes the body");
    KDA_FUZZ_CHECK(error.api_msg.empty(), "no msg without a code");
    // "body: " + 200 bytes, each at most 4 once escaped, + "...".
    KDA_FUZZ_CHECK(error.detail.size() <= 6 + 200 * 4 + 3, "the body excerpt is bounded");
  } else {
    KDA_FUZZ_CHECK(error.detail.empty(), "with a code, no body excerpt");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check_devices(body);
  for (const int module : known_modules) {
    const std::string context = std::string(scope_context) + std::to_string(module);
    check_scopes(body, module, context);
  }
  for (const int status : {400, 401, 403, 404, 429, 500, 503}) check_status(status, body);
  return 0;
}
