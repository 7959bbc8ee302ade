#pragma once
// The Standard Webhooks signature scheme (https://www.standardwebhooks.com), both sides:
// what the webhook sink puts in `webhook-signature`, and what a receiver checks. Pure: the
// timestamp and "now" are passed in, nothing reads a clock.
//
//   signed content  = "<webhook-id>.<webhook-timestamp>.<body>"   (timestamp: Unix seconds)
//   one signature   = "v1," + base64(HMAC-SHA256(key, signed content))   (standard base64, padded)
//   the header      = one signature per secret, separated by a single space (key rotation)
//
// A secret "whsec_<base64>" stands for the base64-decoded bytes; any other secret is used as
// its own bytes. HMAC-SHA256 and base64 come from OpenSSL; if OpenSSL itself fails (out of
// memory) sign() throws std::runtime_error, a broken invariant rather than an expected failure.
// Thread-safe: no state. Nothing here formats a secret or a key into a message.
#include "koodrive_audit/clock.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::webhooks {

inline constexpr std::string_view secret_prefix = "whsec_";
// How far a webhook-timestamp may be from the receiver's clock, either way (the spec's advice).
inline constexpr std::chrono::seconds default_tolerance{5 * 60};

// The HMAC key a secret stands for. std::nullopt for "whsec_" followed by anything but
// non-empty standard base64 (padding optional), and for an empty secret: signing with an empty
// key would look valid and authenticate nothing.
std::optional<std::string> decode_secret(std::string_view secret);

// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" for an already decoded key.
std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp,
                 std::string_view body);

// The webhook-signature header: sign() with each secret's key, space-separated, in the order
// given. Precondition: every secret decodes (make_webhook_sink checks that once, up front);
// one that does not throws std::invalid_argument, which names its position, not its value.
std::string signature_header(std::string_view id, std::int64_t timestamp, std::string_view body,
                             const std::vector<std::string>& secrets);

// The receiver's side: true when `timestamp` is decimal Unix seconds within `tolerance` of
// `now` (either way) and at least one "v1,<base64>" entry of the space-separated `signatures`
// equals the signature `secret` gives for id.timestamp.body. Signatures are compared in
// constant time; entries of other versions ("v1a,…") and malformed entries are skipped. False
// when the secret does not decode.
bool verify(std::string_view secret, std::string_view id, std::string_view timestamp,
            std::string_view body, std::string_view signatures, SystemTime now,
            std::chrono::seconds tolerance = default_tolerance);

// Standard base64 with padding, and its inverse (padding optional; std::nullopt on any other
// character, including whitespace). Exposed for tests and for decode_secret.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kda::webhooks
