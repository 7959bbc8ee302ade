// App-authentication signer (koodrive-api.md §2). Every expected hash and signature below was
// computed independently with the openssl CLI (OpenSSL 3.0) and pasted as a literal; the shell
// commands are in the comment above each vector. In those commands
//   E=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855   (sha256 of "")
//   v() { H=$(printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1)
//         printf 'HMAC-SHA256\n%s' "$H" | openssl dgst -sha256 -hmac "$2" -r; echo "$H"; }
// and CR is the canonical request written as a bash $'...' string (no final newline).
#include "api/signer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kda::api {
namespace {

constexpr std::string_view empty_body_hash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

RequestToSign base_request() {
  RequestToSign request;
  request.method = "GET";
  request.host = "intl.myhuaweicloud-koodrive.com";
  request.x_date = "20251103T070140Z";
  request.user_id = "1505084218764547200";
  return request;
}

struct Vector {
  std::string canonical_request;
  std::string hash;       // sha256_hex(canonical_request)
  std::string signature;  // HMAC over "HMAC-SHA256\n" + hash
};

void expect_vector(const RequestToSign& request, std::string_view secret, const Vector& expected) {
  const std::string cr = canonical_request(request);
  EXPECT_EQ(cr, expected.canonical_request);
  EXPECT_EQ(sha256_hex(cr), expected.hash);
  const std::string sts = string_to_sign(cr, request.x_date);
  EXPECT_EQ(sts, "HMAC-SHA256\n" + expected.hash);
  EXPECT_EQ(signature(secret, sts), expected.signature);
  EXPECT_EQ(sign(request, "app-1", secret),
            "HMAC-SHA256 AppId=app-1,SignedHeaders=host;x-date;x-user-id,Signature=" +
                expected.signature);
}

// ---------------------------------------------------------------------------------------------
// Primitives against published vectors.

TEST(Sha256, MatchesFipsVectors) {
  EXPECT_EQ(sha256_hex(""), empty_body_hash);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string_view("a\0b", 3)),  // printf 'a\0b' | openssl dgst -sha256
            "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
}

TEST(Hmac, MatchesRfc4231TestCase2) {
  EXPECT_EQ(signature("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// printf 'HMAC-SHA256\n%s' 9db93bd411f18377e4a8ec0a74d237294e43027bdb5d926a9a570748be882252 | openssl dgst -sha256 -hmac '' -r
// (Python's hmac.new(b'', ...) agrees)
TEST(Hmac, EmptySecretIsAnEmptyKey) {
  EXPECT_EQ(signature("", "HMAC-SHA256\n9db93bd411f18377e4a8ec0a74d237294e43027bdb5d926a9a570748be882252"),
            "8d5fed749335f75989f16d0a18230d50b194f3ffaad3cb97ccd0105656cdfe30");
  EXPECT_EQ(signature(std::string_view{}, "x"), signature("", "x"));
}

// The HMAC context keeps its last key between signatures; a new secret, a repeated one and a
// secret that is a prefix of the last must each still give their own MAC.
TEST(Hmac, ReusedContextFollowsEachSecret) {
  const std::string_view message = "what do ya want for nothing?";
  const std::string_view jefe = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  EXPECT_EQ(signature("Jefe", message), jefe);
  EXPECT_EQ(signature("Jefe", message), jefe);
  const std::string other = signature("Jeff", message);
  EXPECT_NE(other, jefe);
  EXPECT_EQ(signature("Jefe", message), jefe);
  EXPECT_EQ(signature("Jeff", message), other);
  EXPECT_NE(signature("Jef", message), jefe);
  EXPECT_EQ(signature("", "HMAC-SHA256\n9db93bd411f18377e4a8ec0a74d237294e43027bdb5d926a9a570748be882252"),
            "8d5fed749335f75989f16d0a18230d50b194f3ffaad3cb97ccd0105656cdfe30");
  EXPECT_EQ(signature("Jefe", message), jefe);
}

// ---------------------------------------------------------------------------------------------
// The check vector of koodrive-api.md §2, byte for byte.
//   CR=$'GET\n/koodrive/ose/v1/backup/device/123/scope/\nmoduleCode=100\nhost:intl.myhuaweicloud-koodrive.com\nx-date:20251103T070140Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n'$E
//   printf '%s' "$CR" | wc -c                 → 239
//   v "$CR" test-app-secret

TEST(Signer, KooDriveApiCheckVector) {
  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/device/123/scope";
  request.query = {{"moduleCode", "100"}};
  const std::string expected_cr =
      "GET\n"
      "/koodrive/ose/v1/backup/device/123/scope/\n"
      "moduleCode=100\n"
      "host:intl.myhuaweicloud-koodrive.com\n"
      "x-date:20251103T070140Z\n"
      "x-user-id:1505084218764547200\n"
      "\n"
      "host;x-date;x-user-id\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  ASSERT_EQ(expected_cr.size(), 239u);
  expect_vector(request, "test-app-secret",
                {expected_cr, "9db93bd411f18377e4a8ec0a74d237294e43027bdb5d926a9a570748be882252",
                 "b933daad96d45ed38a0556a4d114c03729aa376b3fd84998dafb5848e9e81e12"});
  EXPECT_EQ(canonical_request(request).size(), 239u);
}

// The same request with the date line in the string to sign (SigningOptions).
//   printf 'HMAC-SHA256\n20251103T070140Z\n%s' 9db93bd411f18377e4a8ec0a74d237294e43027bdb5d926a9a570748be882252 | openssl dgst -sha256 -hmac test-app-secret -r
TEST(Signer, DateLineOptionAddsXDateToStringToSign) {
  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/device/123/scope";
  request.query = {{"moduleCode", "100"}};
  const SigningOptions with_date{.date_line_in_string_to_sign = true};
  const std::string sts = string_to_sign(canonical_request(request), request.x_date, with_date);
  EXPECT_EQ(sts,
            "HMAC-SHA256\n20251103T070140Z\n"
            "9db93bd411f18377e4a8ec0a74d237294e43027bdb5d926a9a570748be882252");
  EXPECT_EQ(signature("test-app-secret", sts),
            "a3adce9c83978068d7f5a436ab34748a09c8ca7bcf4a6f9a2a21095b1ac8a9b4");
  EXPECT_EQ(sign(request, "app-1", "test-app-secret", with_date),
            "HMAC-SHA256 AppId=app-1,SignedHeaders=host;x-date;x-user-id,"
            "Signature=a3adce9c83978068d7f5a436ab34748a09c8ca7bcf4a6f9a2a21095b1ac8a9b4");
  // Without the option the x_date argument is not used.
  EXPECT_EQ(string_to_sign(canonical_request(request), "ignored"),
            "HMAC-SHA256\n9db93bd411f18377e4a8ec0a74d237294e43027bdb5d926a9a570748be882252");
}

// (a) Query names and values that need encoding, given out of order, a repeated name.
//   CR=$'GET\n/koodrive/ose/v1/backup/record/\nA=1&a%20b=caf%C3%A9%2Fx&b=1&b=2\nhost:intl.myhuaweicloud-koodrive.com\nx-date:20251103T070140Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n'$E
//   v "$CR" test-app-secret
TEST(Signer, QueryIsEncodedAndSortedByByteOrder) {
  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/record";
  request.query = {{"b", "2"}, {"a b", "caf\xC3\xA9/x"}, {"A", "1"}, {"b", "1"}};
  expect_vector(request, "test-app-secret",
                {"GET\n"
                 "/koodrive/ose/v1/backup/record/\n"
                 "A=1&a%20b=caf%C3%A9%2Fx&b=1&b=2\n"
                 "host:intl.myhuaweicloud-koodrive.com\n"
                 "x-date:20251103T070140Z\n"
                 "x-user-id:1505084218764547200\n"
                 "\n"
                 "host;x-date;x-user-id\n"
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                 "583b0144b1ee7d4f1de1427b3713a17f1b9465044ec098e7c6ea8e393d2d1bd2",
                 "afc30d66d834bac29290a3ed7910de81a4bc69fdb4a6ed9d2c631a5afc8ba5b1"});
}

// (b) Empty values keep their "=".
//   CR=$'GET\n/koodrive/ose/v1/backup/record/\ncursor=&moduleCode=100&pageSize=100&x=\nhost:intl.myhuaweicloud-koodrive.com\nx-date:20251103T070140Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n'$E
//   v "$CR" test-app-secret
TEST(Signer, EmptyQueryValueKeepsEquals) {
  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/record";
  request.query = {{"x", ""}, {"pageSize", "100"}, {"moduleCode", "100"}, {"cursor", ""}};
  expect_vector(request, "test-app-secret",
                {"GET\n"
                 "/koodrive/ose/v1/backup/record/\n"
                 "cursor=&moduleCode=100&pageSize=100&x=\n"
                 "host:intl.myhuaweicloud-koodrive.com\n"
                 "x-date:20251103T070140Z\n"
                 "x-user-id:1505084218764547200\n"
                 "\n"
                 "host;x-date;x-user-id\n"
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                 "7c269eb574c798917bb6c68927f97159826851a9abf0f2a5b2d7fe92a5661da7",
                 "408b3677680f158e42f29f56a5fd700ed99f752b8ec2fc3c8812c6756aea05c3"});
}

// (c) Host with a non-default port (the simulator), no query: an empty line.
//   CR=$'GET\n/koodrive/ose/v1/backup/device/\n\nhost:127.0.0.1:18080\nx-date:20251103T070140Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n'$E
//   v "$CR" sim-secret
TEST(Signer, HostWithPortAndNoQuery) {
  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/device";
  request.host = "127.0.0.1:18080";
  const Vector expected{"GET\n"
                        "/koodrive/ose/v1/backup/device/\n"
                        "\n"
                        "host:127.0.0.1:18080\n"
                        "x-date:20251103T070140Z\n"
                        "x-user-id:1505084218764547200\n"
                        "\n"
                        "host;x-date;x-user-id\n"
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                        "2bcafdb836a285d362132ca61188ad09667dfc425db376be69e65d7e738ab5a3",
                        "9acf1b9b8629e8ffdd6e650553de8f697aec2ead22f65f9a147dbe11e946938c"};
  expect_vector(request, "sim-secret", expected);

  // The same request, method in lowercase and header values padded: trimmed, upper-cased.
  RequestToSign padded = request;
  padded.method = "get";
  padded.host = " \t127.0.0.1:18080 ";
  padded.x_date = "  20251103T070140Z\t";
  padded.user_id = " 1505084218764547200 ";
  EXPECT_EQ(canonical_request(padded), expected.canonical_request);
  // A path already ending in "/" signs the same.
  padded.path = "/koodrive/ose/v1/backup/device/";
  EXPECT_EQ(canonical_request(padded), expected.canonical_request);
}

// (d) Path segments needing encoding, with "." and ".." segments to remove.
//   CR=$'GET\n/koodrive/ose/v1/backup/device/a%20b/%C3%A9%2B~/scope/\nmoduleCode=101\nhost:intl.myhuaweicloud-koodrive.com\nx-date:20251103T070140Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n'$E
//   v "$CR" test-app-secret
TEST(Signer, PathSegmentsAreNormalisedAndEncoded) {
  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/device/a b/\xC3\xA9+~/./x/../scope";
  request.query = {{"moduleCode", "101"}};
  expect_vector(request, "test-app-secret",
                {"GET\n"
                 "/koodrive/ose/v1/backup/device/a%20b/%C3%A9%2B~/scope/\n"
                 "moduleCode=101\n"
                 "host:intl.myhuaweicloud-koodrive.com\n"
                 "x-date:20251103T070140Z\n"
                 "x-user-id:1505084218764547200\n"
                 "\n"
                 "host;x-date;x-user-id\n"
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                 "3f682d3f3fa0ebd5beaf88fd7e633862825649670f7b2cb0bdc00cbeb5310c97",
                 "2af354ccc3f177888b60761acb7a4b550343912f5465ef88a465cc42ed0e134d"});
}

// (e) A body: its SHA-256 is the last line.
//   BODY='{"machineCode":"m_1","deviceName":"Magic v3"}'
//   printf '%s' "$BODY" | openssl dgst -sha256 -r   → 11a3deceb8…0f6871f3
//   CR=$'POST\n/koodrive/ose/v1/backup/device/\n\nhost:cn.myhuaweicloud-koodrive.com\nx-date:20260101T000000Z\nx-user-id:42\n\nhost;x-date;x-user-id\n'11a3deceb82862072537d06f743ad68a455d5da34c7d770efaf6b6a60f6871f3
//   v "$CR" test-app-secret
TEST(Signer, BodyHashIsSigned) {
  RequestToSign request;
  request.method = "POST";
  request.path = "/koodrive/ose/v1/backup/device";
  request.host = "cn.myhuaweicloud-koodrive.com";
  request.x_date = "20260101T000000Z";
  request.user_id = "42";
  request.body = R"({"machineCode":"m_1","deviceName":"Magic v3"})";
  EXPECT_EQ(sha256_hex(request.body),
            "11a3deceb82862072537d06f743ad68a455d5da34c7d770efaf6b6a60f6871f3");
  expect_vector(request, "test-app-secret",
                {"POST\n"
                 "/koodrive/ose/v1/backup/device/\n"
                 "\n"
                 "host:cn.myhuaweicloud-koodrive.com\n"
                 "x-date:20260101T000000Z\n"
                 "x-user-id:42\n"
                 "\n"
                 "host;x-date;x-user-id\n"
                 "11a3deceb82862072537d06f743ad68a455d5da34c7d770efaf6b6a60f6871f3",
                 "fa0198bff0230c7cd7c0a8c3f43ec85aaed9e12bc8b6eda1b9f219e30f682625",
                 "62d5106f27f0f528b036344d6d4c26f09329e2b7812ecc3933f3e1518f8a17ee"});
}

TEST(Signer, EveryInputChangesTheSignature) {
  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/device/123/scope";
  request.query = {{"moduleCode", "100"}};
  const std::string reference = sign(request, "app-1", "test-app-secret");
  auto changed = [&](auto mutate) {
    RequestToSign copy = request;
    mutate(copy);
    return sign(copy, "app-1", "test-app-secret") != reference;
  };
  EXPECT_TRUE(changed([](RequestToSign& r) { r.method = "DELETE"; }));
  EXPECT_TRUE(changed([](RequestToSign& r) { r.path = "/koodrive/ose/v1/backup/device/124/scope"; }));
  EXPECT_TRUE(changed([](RequestToSign& r) { r.query[0].second = "101"; }));
  EXPECT_TRUE(changed([](RequestToSign& r) { r.host = "intl.myhuaweicloud-koodrive.com:443"; }));
  EXPECT_TRUE(changed([](RequestToSign& r) { r.x_date = "20251103T070141Z"; }));
  EXPECT_TRUE(changed([](RequestToSign& r) { r.user_id = "1505084218764547201"; }));
  EXPECT_TRUE(changed([](RequestToSign& r) { r.body = "{}"; }));
  EXPECT_NE(sign(request, "app-1", "other-secret"), reference);
}

// ---------------------------------------------------------------------------------------------
// The pieces.

TEST(UriEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(uri_encode(""), "");
  EXPECT_EQ(uri_encode("ABCXYZabcxyz0189-_.~"), "ABCXYZabcxyz0189-_.~");
  EXPECT_EQ(uri_encode(" "), "%20");
  EXPECT_EQ(uri_encode("/"), "%2F");
  EXPECT_EQ(uri_encode("+"), "%2B");
  EXPECT_EQ(uri_encode("%"), "%25");
  EXPECT_EQ(uri_encode("*"), "%2A");
  EXPECT_EQ(uri_encode("=&?#"), "%3D%26%3F%23");
  EXPECT_EQ(uri_encode("caf\xC3\xA9"), "caf%C3%A9");  // UTF-8 byte by byte, uppercase hex
  EXPECT_EQ(uri_encode("\xE4\xB8\xAD"), "%E4%B8%AD");  // 中
  EXPECT_EQ(uri_encode(std::string_view("\0\x7F\xFF", 3)), "%00%7F%FF");
  EXPECT_EQ(uri_encode("a\nb"), "a%0Ab");
}

TEST(CanonicalUri, RemovesDotSegmentsEncodesAndEndsInSlash) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/a"), "/a/");
  EXPECT_EQ(canonical_uri("/a/"), "/a/");
  EXPECT_EQ(canonical_uri("a/b"), "/a/b/");
  EXPECT_EQ(canonical_uri("/a/./b"), "/a/b/");
  EXPECT_EQ(canonical_uri("/a/b/../c"), "/a/c/");
  EXPECT_EQ(canonical_uri("/a/b/.."), "/a/");
  EXPECT_EQ(canonical_uri("/a/b/."), "/a/b/");
  EXPECT_EQ(canonical_uri("/.."), "/");
  EXPECT_EQ(canonical_uri("/../a"), "/a/");
  EXPECT_EQ(canonical_uri("/a/../../b"), "/b/");
  EXPECT_EQ(canonical_uri("/a/b/c/./../../g"), "/a/g/");  // RFC 3986 §5.4.1's "../../g" case
  // Only "." and ".." are dot segments; nothing else is collapsed.
  EXPECT_EQ(canonical_uri("/a//b"), "/a//b/");
  EXPECT_EQ(canonical_uri("//"), "//");
  EXPECT_EQ(canonical_uri("/a/..b/.c/..."), "/a/..b/.c/.../");
  EXPECT_EQ(canonical_uri("/a./b.."), "/a./b../");  // dots inside a segment: no rewriting
  // The path is taken as sent, not yet encoded: "%" itself is encoded.
  EXPECT_EQ(canonical_uri("/a/%2F"), "/a/%252F/");
  EXPECT_EQ(canonical_uri("/a b/c+d"), "/a%20b/c%2Bd/");
}

TEST(CanonicalQueryString, SortsEncodedPairs) {
  EXPECT_EQ(canonical_query_string({}), "");
  EXPECT_EQ(canonical_query_string({{"moduleCode", "100"}}), "moduleCode=100");
  // Uppercase sorts before lowercase (character code), then by value for a repeated name.
  EXPECT_EQ(canonical_query_string({{"b", "x"}, {"F", "y"}, {"a", "2"}, {"a", "1"}}),
            "F=y&a=1&a=2&b=x");
  EXPECT_EQ(canonical_query_string({{"parm2", ""}, {"parm1", "value1"}}), "parm1=value1&parm2=");
  EXPECT_EQ(canonical_query_string({{"", ""}}), "=");
  EXPECT_EQ(canonical_query_string({{"q", "a b&c=d"}}), "q=a%20b%26c%3Dd");
  // Sorted by the encoded name: "%" (0x25) < "-" (0x2D) < "Z" (0x5A) < "~" (0x7E).
  EXPECT_EQ(canonical_query_string({{"a~", "1"}, {"a-", "2"}, {"a ", "3"}, {"aZ", "4"}}),
            "a%20=3&a-=2&aZ=4&a~=1");
  // Order of input is irrelevant.
  EXPECT_EQ(canonical_query_string({{"z", "1"}, {"y", "2"}}),
            canonical_query_string({{"y", "2"}, {"z", "1"}}));
}

// ---------------------------------------------------------------------------------------------
// Authorization header.

constexpr std::string_view app_id =
    "a378331eca141163119eb602adb67b7802cc79cd33ba44c7d2fe61d1586c96a1";
constexpr std::string_view sig = "b933daad96d45ed38a0556a4d114c03729aa376b3fd84998dafb5848e9e81e12";

std::string header_with(std::string_view id, std::string_view s) {
  return authorization_header(id, s);
}

TEST(AuthorizationHeader, ExactForm) {
  EXPECT_EQ(header_with(app_id, sig),
            "HMAC-SHA256 AppId=a378331eca141163119eb602adb67b7802cc79cd33ba44c7d2fe61d1586c96a1,"
            "SignedHeaders=host;x-date;x-user-id,"
            "Signature=b933daad96d45ed38a0556a4d114c03729aa376b3fd84998dafb5848e9e81e12");
}

TEST(ParseAuthorization, RoundTrips) {
  const auto parsed = parse_authorization(header_with(app_id, sig));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->app_id, app_id);
  EXPECT_EQ(parsed->signed_headers, "host;x-date;x-user-id");
  EXPECT_EQ(parsed->signature, sig);

  RequestToSign request = base_request();
  request.path = "/koodrive/ose/v1/backup/device";
  const std::string header = sign(request, "my-app_1.x", "s");
  const auto again = parse_authorization(header);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->app_id, "my-app_1.x");
  EXPECT_EQ(again->signature, signature("s", string_to_sign(canonical_request(request), {})));
  EXPECT_EQ(authorization_header(again->app_id, again->signature), header);
}

TEST(ParseAuthorization, RejectsEveryOtherForm) {
  const std::string good = header_with(app_id, sig);
  const std::string s(sig);
  const std::string id(app_id);
  const std::string rejected[] = {
      "",
      "HMAC-SHA256",
      "HMAC-SHA256 ",
      // spaces
      " " + good,
      good + " ",
      "HMAC-SHA256  AppId=" + id + ",SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ", SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=host;x-date;x-user-id, Signature=" + s,
      "HMAC-SHA256 AppId =" + id + ",SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256 AppId= " + id + ",SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256\tAppId=" + id + ",SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256 AppId=my app,SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      // algorithm
      "hmac-sha256 AppId=" + id + ",SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA1 AppId=" + id + ",SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "Bearer " + id,
      // order
      "HMAC-SHA256 SignedHeaders=host;x-date;x-user-id,AppId=" + id + ",Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ",Signature=" + s + ",SignedHeaders=host;x-date;x-user-id",
      "HMAC-SHA256 Signature=" + s + ",AppId=" + id + ",SignedHeaders=host;x-date;x-user-id",
      // missing or empty fields
      "HMAC-SHA256 AppId=,SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256 SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ",Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=host;x-date;x-user-id",
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=host;x-date;x-user-id,Signature=",
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=,Signature=" + s,
      // repeated fields, trailing comma
      "HMAC-SHA256 AppId=" + id + ",AppId=" + id + ",SignedHeaders=host;x-date;x-user-id,Signature=" + s,
      good + ",Signature=" + s,
      good + ",",
      // other signed headers
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=host;x-user-id;x-date,Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=x-date;x-user-id,Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=Host;X-Date;X-User-Id,Signature=" + s,
      "HMAC-SHA256 AppId=" + id + ",SignedHeaders=host;x-date;x-user-id;content-type,Signature=" + s,
      // signature not 64 lowercase hex digits
      header_with(app_id, s.substr(1)),
      header_with(app_id, s + "0"),
      header_with(app_id, "B933DAAD96D45ED38A0556A4D114C03729AA376B3FD84998DAFB5848E9E81E12"),
      header_with(app_id, s.substr(1) + "g"),
      // lowercase field names
      "HMAC-SHA256 appid=" + id + ",signedheaders=host;x-date;x-user-id,signature=" + s,
  };
  for (const std::string& header : rejected) {
    EXPECT_FALSE(parse_authorization(header)) << "accepted: " << header;
  }
  using namespace std::string_literals;
  EXPECT_FALSE(parse_authorization(
      "HMAC-SHA256 AppId=a\0b,SignedHeaders=host;x-date;x-user-id,Signature="s + s));
  EXPECT_TRUE(parse_authorization(good));
}

}  // namespace
}  // namespace kda::api
