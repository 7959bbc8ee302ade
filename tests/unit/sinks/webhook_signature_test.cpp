// The Standard Webhooks signature (sinks/standard_webhooks.hpp): vectors computed independently
// with the openssl CLI (the command is above each one), the spec's own example, key rotation,
// secret decoding, and the receiver's check: tampering, wrong keys and stale timestamps fail.
#include "sinks/standard_webhooks.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kda::webhooks {
namespace {

using namespace std::chrono_literals;

// The example of the Standard Webhooks spec (and of its reference libraries).
constexpr std::string_view spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view spec_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t spec_timestamp = 1614265330;
constexpr std::string_view spec_body = R"({"test": 2432232314})";
// printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//   openssl dgst -sha256 -mac HMAC -binary -macopt "hexkey:$(
//     echo -n MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256)" | base64
constexpr std::string_view spec_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// A second key for rotation: printf 'rotation-key-number-two!' | base64
constexpr std::string_view second_secret = "whsec_cm90YXRpb24ta2V5LW51bWJlci10d28h";
// printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//   openssl dgst -sha256 -mac HMAC -binary -macopt "hexkey:$(
//     echo -n cm90YXRpb24ta2V5LW51bWJlci10d28h | base64 -d | xxd -p -c 256)" | base64
constexpr std::string_view second_signature = "v1,+k6EaL0098cEAAQrRaTTEZNYuu24JbOvFXE0hZqEsUM=";

SystemTime at(std::int64_t unix_seconds) {
  return SystemTime(std::chrono::seconds(unix_seconds));
}

TEST(StandardWebhooks, SignsTheSpecExample) {
  const auto key = decode_secret(spec_secret);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 24u);
  EXPECT_EQ(sign(*key, spec_id, spec_timestamp, spec_body), spec_signature);
  EXPECT_EQ(signature_header(spec_id, spec_timestamp, spec_body, {std::string(spec_secret)}),
            spec_signature);
}

TEST(StandardWebhooks, ASecretWithoutThePrefixIsTheKeysOwnBytes) {
  // printf '%s' 'evt-1.1700000000.{"a":1}' |
  //   openssl dgst -sha256 -mac HMAC -macopt key:plain-secret-bytes -binary | base64
  EXPECT_EQ(signature_header("evt-1", 1700000000, R"({"a":1})", {"plain-secret-bytes"}),
            "v1,QQfYzw/mc2K1ZTHL74C160l2k8h8T6FleFJLA/L06KA=");
  // "whsec" without the underscore is not the prefix:
  // printf '%s' 'evt-1.1700000000.{"a":1}' |
  //   openssl dgst -sha256 -mac HMAC -macopt key:whsec -binary | base64
  EXPECT_EQ(signature_header("evt-1", 1700000000, R"({"a":1})", {"whsec"}),
            "v1,0XjFXCeL5XvCRRokBshfW8CN6LMI3Tp3s+qzbbjCA1c=");
}

TEST(StandardWebhooks, TwoSecretsGiveTwoSpaceSeparatedSignaturesInOrder) {
  EXPECT_EQ(signature_header(spec_id, spec_timestamp, spec_body,
                             {std::string(spec_secret), std::string(second_secret)}),
            std::string(spec_signature) + " " + std::string(second_signature));
  EXPECT_EQ(signature_header(spec_id, spec_timestamp, spec_body,
                             {std::string(second_secret), std::string(spec_secret)}),
            std::string(second_signature) + " " + std::string(spec_signature));
}

TEST(StandardWebhooks, DecodesPaddedAndUnpaddedBase64Alike) {
  // printf 'seventeen-bytes!!' | base64  →  c2V2ZW50ZWVuLWJ5dGVzISE=
  EXPECT_EQ(decode_secret("whsec_c2V2ZW50ZWVuLWJ5dGVzISE="), "seventeen-bytes!!");
  EXPECT_EQ(decode_secret("whsec_c2V2ZW50ZWVuLWJ5dGVzISE"), "seventeen-bytes!!");
  // printf '%s' 'id.1.' | openssl dgst -sha256 -mac HMAC -macopt key:'seventeen-bytes!!' -binary | base64
  EXPECT_EQ(signature_header("id", 1, "", {"whsec_c2V2ZW50ZWVuLWJ5dGVzISE="}),
            "v1,IWNdo4FVVHP8KIyPVRcCGXzav5oj7Romgv82D+ujoXs=");
}

TEST(StandardWebhooks, RefusesSecretsThatAreNoKey) {
  EXPECT_FALSE(decode_secret(""));
  EXPECT_FALSE(decode_secret("whsec_"));
  EXPECT_FALSE(decode_secret("whsec_not base64"));
  EXPECT_FALSE(decode_secret("whsec_abc*"));
  EXPECT_FALSE(decode_secret("whsec_a"));          // six bits: no whole byte
  EXPECT_FALSE(decode_secret("whsec_YQ=x"));       // padding in the middle
  EXPECT_FALSE(decode_secret("whsec_YQ="));        // padded, but not to a multiple of four
  EXPECT_FALSE(decode_secret("whsec_YQ===="));     // too much padding
  EXPECT_FALSE(decode_secret("whsec_YQ==\n"));     // whitespace is not base64
  EXPECT_EQ(decode_secret("whsec_YQ=="), "a");
}

TEST(StandardWebhooks, SignatureHeaderNamesAnUnusableSecretByPositionOnly) {
  try {
    (void)signature_header("id", 1, "{}", {"fine", "whsec_%%secret-value%%"});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("#2"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("secret-value"), std::string::npos) << error.what();
  }
}

TEST(StandardWebhooks, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << "length " << i;
    bytes += static_cast<char>(i * 37 + 200);
  }
  // printf '\x00\xff\x10' | base64
  EXPECT_EQ(base64_encode(std::string("\x00\xff\x10", 3)), "AP8Q");
}

TEST(StandardWebhooksVerify, AcceptsTheSpecExampleWithinTheTolerance) {
  for (const std::int64_t skew : {0, 299, -299, 300, -300}) {
    EXPECT_TRUE(verify(spec_secret, spec_id, "1614265330", spec_body, spec_signature,
                       at(spec_timestamp + skew)))
        << "skew " << skew;
  }
}

TEST(StandardWebhooksVerify, RejectsATamperedBodyIdOrTimestamp) {
  const auto now = at(spec_timestamp);
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", R"({"test": 2432232315})",
                      spec_signature, now));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", std::string(spec_body) + " ",
                      spec_signature, now));
  EXPECT_FALSE(verify(spec_secret, "msg_other", "1614265330", spec_body, spec_signature, now));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265331", spec_body, spec_signature, now));
  // The timestamp is signed as sent: the same number written differently is not the same text.
  EXPECT_FALSE(verify(spec_secret, spec_id, "01614265330", spec_body, spec_signature, now));
}

TEST(StandardWebhooksVerify, RejectsAWrongSecret) {
  EXPECT_FALSE(verify(second_secret, spec_id, "1614265330", spec_body, spec_signature,
                      at(spec_timestamp)));
  // The base64 text of the key used as raw bytes is another key.
  EXPECT_FALSE(verify("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", spec_id, "1614265330", spec_body,
                      spec_signature, at(spec_timestamp)));
  EXPECT_FALSE(verify("whsec_", spec_id, "1614265330", spec_body, spec_signature,
                      at(spec_timestamp)));
}

TEST(StandardWebhooksVerify, RejectsAnOldOrFutureTimestamp) {
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", spec_body, spec_signature,
                      at(spec_timestamp + 301)));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", spec_body, spec_signature,
                      at(spec_timestamp - 301)));
  EXPECT_TRUE(verify(spec_secret, spec_id, "1614265330", spec_body, spec_signature,
                     at(spec_timestamp + 3600), 1h));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", spec_body, spec_signature,
                      at(spec_timestamp + 11), 10s));
}

TEST(StandardWebhooksVerify, RejectsATimestampThatIsNotDecimalSeconds) {
  for (const std::string_view bad : {"", "-1614265330", "+1614265330", "1614265330.0",
                                     " 1614265330", "1614265330 ", "0x603", "9999999999999999999"}) {
    EXPECT_FALSE(verify(spec_secret, spec_id, bad, spec_body, spec_signature, at(spec_timestamp)))
        << "'" << bad << "'";
  }
}

TEST(StandardWebhooksVerify, AcceptsWhenOnlyOneOfTwoSignaturesMatches) {
  const std::string both = std::string(spec_signature) + " " + std::string(second_signature);
  const auto now = at(spec_timestamp);
  // The receiver has rotated to the new key, or has not yet: either way it accepts.
  EXPECT_TRUE(verify(spec_secret, spec_id, "1614265330", spec_body, both, now));
  EXPECT_TRUE(verify(second_secret, spec_id, "1614265330", spec_body, both, now));
  EXPECT_FALSE(verify("whsec_c2V2ZW50ZWVuLWJ5dGVzISE=", spec_id, "1614265330", spec_body, both, now));
}

TEST(StandardWebhooksVerify, SkipsOtherVersionsAndMalformedEntries) {
  const auto now = at(spec_timestamp);
  const std::string base64(spec_signature.substr(3));
  EXPECT_TRUE(verify(spec_secret, spec_id, "1614265330", spec_body,
                     "v1a,abc garbage  v2," + base64 + " " + std::string(spec_signature), now));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", spec_body, "v2," + base64, now));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", spec_body, base64, now));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", spec_body, "", now));
  EXPECT_FALSE(verify(spec_secret, spec_id, "1614265330", spec_body,
                      std::string(spec_signature).substr(0, 20), now));
}

}  // namespace
}  // namespace kda::webhooks
