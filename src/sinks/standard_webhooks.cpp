#include "sinks/standard_webhooks.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <stdexcept>

namespace kda::webhooks {

namespace {

bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::optional<std::int64_t> parse_seconds(std::string_view text) {
  // Digits only: a sign, spaces or a fraction are not a timestamp the sender would write, and
  // 18 digits keep |now - timestamp| clear of overflow.
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.front() == '-') {
    return std::nullopt;
  }
  return value;
}

// The base64 part of sign() for `key`; what verify() compares against.
// The timestamp is signed as the header carries it, so a receiver never re-formats it.
std::string mac_base64(std::string_view key, std::string_view id, std::string_view timestamp,
                       std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  if (key.size() > static_cast<std::size_t>(INT_MAX)) {
    throw std::length_error("webhook signing key too long for HMAC");
  }
  // HMAC() reads a null key pointer as "reuse the previous key"; an empty key must stay empty.
  static constexpr unsigned char empty_key = 0;
  const void* key_bytes = key.empty() ? static_cast<const void*>(&empty_key) : key.data();
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(),
           &size) == nullptr) {
    throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), size));
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX / 4 * 3 - 3)) {
    throw std::length_error("base64_encode: input too long");
  }
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // + the NUL EVP_EncodeBlock writes
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock skips surrounding whitespace, insists on padding and reports padding as
  // decoded zero bytes; checking the alphabet and padding here makes the result exact.
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::string_view data = text.substr(0, text.size() - padding);
  for (const char c : data) {
    if (!is_base64_char(c)) return std::nullopt;
  }
  if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
  if (data.size() % 4 == 1) return std::nullopt;  // no whole byte in the last group
  if (data.size() > static_cast<std::size_t>(INT_MAX) - 4) return std::nullopt;
  std::string padded(data);
  while (padded.size() % 4 != 0) padded += '=';
  const std::size_t missing = padded.size() - data.size();
  if (padded.empty()) return std::string{};
  std::string out(padded.size() / 4 * 3, '\0');
  const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(padded.data()),
                                      static_cast<int>(padded.size()));
  if (decoded < 0 || static_cast<std::size_t>(decoded) != out.size()) return std::nullopt;
  out.resize(out.size() - missing);
  return out;
}

std::optional<std::string> decode_secret(std::string_view secret) {
  if (secret.starts_with(secret_prefix)) {
    auto key = base64_decode(secret.substr(secret_prefix.size()));
    if (!key || key->empty()) return std::nullopt;
    return key;
  }
  if (secret.empty()) return std::nullopt;
  return std::string(secret);
}

std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp,
                 std::string_view body) {
  return "v1," + mac_base64(key, id, std::to_string(timestamp), body);
}

std::string signature_header(std::string_view id, std::int64_t timestamp, std::string_view body,
                             const std::vector<std::string>& secrets) {
  std::string header;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    const auto key = decode_secret(secrets[i]);
    if (!key) {
      throw std::invalid_argument("webhook secret #" + std::to_string(i + 1) +
                                  " is not usable (whsec_ must be followed by base64)");
    }
    if (!header.empty()) header += ' ';
    header += sign(*key, id, timestamp, body);
  }
  return header;
}

bool verify(std::string_view secret, std::string_view id, std::string_view timestamp,
            std::string_view body, std::string_view signatures, SystemTime now,
            std::chrono::seconds tolerance) {
  const auto key = decode_secret(secret);
  const auto sent_at = parse_seconds(timestamp);
  if (!key || !sent_at) return false;
  const std::int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::int64_t skew = now_seconds > *sent_at ? now_seconds - *sent_at : *sent_at - now_seconds;
  if (skew > tolerance.count()) return false;

  const std::string expected = mac_base64(*key, id, timestamp, body);
  bool matched = false;
  std::size_t start = 0;
  while (start <= signatures.size()) {
    const std::size_t end = std::min(signatures.find(' ', start), signatures.size());
    const std::string_view entry = signatures.substr(start, end - start);
    start = end + 1;
    const std::size_t comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;
    const std::string_view candidate = entry.substr(comma + 1);
    // Constant time for a candidate of the right length; a length says nothing secret.
    if (candidate.size() == expected.size() &&
        CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
      matched = true;
    }
  }
  return matched;
}

}  // namespace kda::webhooks
