// Bad input, clear errors (issue #6, item 4): every kind of bad answer, for BOTH endpoints, is
// an Error whose message names the request and the field path ("scopeList[2].moduleCode"), and
// never a partial list. decode_protocol_test.cpp pins the exact wording of each check; this file
// proves the same promise holds across endpoints, list positions and sizes (100,000 items,
// 100,000 levels of nesting).
#include "api/decode.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kda::api {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view device_context = "GET /koodrive/ose/v1/backup/device";
constexpr std::string_view scope_context =
    "GET /koodrive/ose/v1/backup/device/1842812272691451648/scope?moduleCode=100";

json::object a_device(std::string id) {
  return {{"deviceId", id},
          {"machineCode", "20250911"},
          {"deviceOS", "android"},
          {"deviceName", "Magic v3"},
          {"createTime", "2025-09-15T06:14:48.630Z"}};
}

json::object a_scope(std::string id) {
  return {{"localPath", "/DCIM"},
          {"targetFolderPath", "/backup/DCIM"},
          {"scopeId", id},
          {"moduleCode", "100"},
          {"createTime", "2025-12-17T07:27:27.709Z"}};
}

// One of the two endpoints: its list key, a good item, its decoder and its request context.
struct Listing {
  std::string_view name;
  std::string_view list_key;
  std::string_view id_field;
  std::string_view context;
  json::object (*item)(std::string id);
  Result<std::size_t> decode(std::string_view body) const {
    if (list_key == "data") {
      auto devices = decode_device_list(body, context);
      if (!devices) return devices.error();
      return devices->size();
    }
    auto scopes = decode_scope_list(body, module_folder, context);
    if (!scopes) return scopes.error();
    return scopes->size();
  }
};

const Listing devices{"devices", "data", "deviceId", device_context, a_device};
const Listing scopes{"scopes", "scopeList", "scopeId", scope_context, a_scope};
const Listing both[] = {devices, scopes};

// A list of `count` good items whose item `bad_index` is passed through `spoil`. Good items are
// spliced as text (a 100,000-item body is built in milliseconds, not seconds).
template <class Spoil>
std::string list_body(const Listing& endpoint, std::size_t count, std::size_t bad_index, Spoil spoil) {
  const std::string good = json::serialize(endpoint.item("@ID@"));
  const std::size_t id_at = good.find("@ID@");
  std::string body = "{\"code\":0,\"msg\":\"success\",\"" + std::string(endpoint.list_key) + "\":[";
  body.reserve(count * (good.size() + 8));
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) body += ',';
    const std::string id = std::to_string(1000 + i);
    if (i == bad_index) {
      json::object item = endpoint.item(id);
      spoil(item);
      body += json::serialize(item);
    } else {
      body.append(good, 0, id_at).append(id).append(good, id_at + 4);
    }
  }
  return body + "]}";
}

std::string path(const Listing& endpoint, std::size_t index, std::string_view field) {
  return std::string(endpoint.list_key) + "[" + std::to_string(index) + "]." + std::string(field);
}

// The decode must fail as `expected`, and its message must name the request and `detail`.
void expect_failure(const Listing& endpoint, std::string_view body, errc expected,
                    const std::string& detail_start) {
  SCOPED_TRACE(std::string(endpoint.name) + ": " + std::string(body.substr(0, 300)));
  const Result<std::size_t> decoded = endpoint.decode(body);
  ASSERT_FALSE(decoded) << "decoded " << *decoded << " items from a bad body";
  const Error& error = decoded.error();
  EXPECT_EQ(error.code, make_error_code(expected)) << error.message();
  EXPECT_EQ(error.context, endpoint.context);
  EXPECT_THAT(error.detail, StartsWith(detail_start));
  // The one line a log, fetch_status.last_error and `status` show.
  EXPECT_THAT(error.message(), StartsWith(std::string(endpoint.context) + ": malformed response: "));
  EXPECT_THAT(error.message(), HasSubstr(detail_start));
  EXPECT_EQ(error.message().find('\n'), std::string::npos);
}

TEST(DecodeBadInput, WrongTypeOfEveryRequiredFieldNamesTheFieldPath) {
  for (const Listing& endpoint : both) {
    for (std::string_view field : {endpoint.id_field, std::string_view("createTime")}) {
      for (const json::value& wrong : {json::value(7), json::value(true), json::value(json::array{}),
                                       json::value(json::object{}), json::value(nullptr)}) {
        const std::string body = list_body(endpoint, 3, 2, [&](json::object& item) { item[field] = wrong; });
        expect_failure(endpoint, body, errc::malformed_response, path(endpoint, 2, field) + ": expected a string");
      }
    }
  }
}

TEST(DecodeBadInput, AMissingRequiredFieldNamesTheFieldPath) {
  const std::vector<std::string_view> device_fields{"deviceId", "machineCode", "createTime"};
  const std::vector<std::string_view> scope_fields{"scopeId", "moduleCode", "createTime"};
  for (const Listing& endpoint : both) {
    for (std::string_view field : endpoint.list_key == "data" ? device_fields : scope_fields) {
      const std::string body = list_body(endpoint, 3, 2, [&](json::object& item) { item.erase(field); });
      expect_failure(endpoint, body, errc::malformed_response, path(endpoint, 2, field) + ": missing");
    }
  }
}

TEST(DecodeBadInput, IdsThatAreNotDecimalStringsAreRefusedNeverConverted) {
  const std::vector<json::value> not_decimal{
      json::value(1775406005920779393),       // a number, even an exact one
      json::value(1.775406005920779e18),      // a double, rounded
      json::value("1775406005920779393 "),    // trailing space
      json::value("+1775406005920779393"),    // sign
      json::value("0x1F"),                    // hex
      json::value("1e18"),                    // exponent
      json::value("\xEF\xBC\x91\xEF\xBC\x92"),  // full-width digits １２
      json::value(""),                        // empty
      json::value(std::string(33, '7')),      // too long
  };
  for (const Listing& endpoint : both) {
    for (const json::value& id : not_decimal) {
      const std::string body =
          list_body(endpoint, 3, 2, [&](json::object& item) { item[endpoint.id_field] = id; });
      expect_failure(endpoint, body, errc::malformed_response, path(endpoint, 2, endpoint.id_field) + ": expected ");
    }
  }
}

TEST(DecodeBadInput, AnUnknownModuleCodeInAScopeListNamesItsIndex) {
  for (std::string_view code : {"103", "99", "1000", "-100", "0x64", "", "folder"}) {
    const std::string body = list_body(scopes, 5, 2, [&](json::object& item) { item["moduleCode"] = code; });
    expect_failure(scopes, body, errc::malformed_response,
                   "scopeList[2].moduleCode: unknown module code \"" + std::string(code) + "\"");
  }
  // A known module, but not the one asked for, is refused too.
  const std::string body = list_body(scopes, 5, 2, [](json::object& item) { item["moduleCode"] = "101"; });
  expect_failure(scopes, body, errc::malformed_response,
                 "scopeList[2].moduleCode: \"101\" but module 100 was requested");
  // And a number, which the pages type as String.
  const std::string number = list_body(scopes, 5, 2, [](json::object& item) { item["moduleCode"] = 100; });
  expect_failure(scopes, number, errc::malformed_response,
                 "scopeList[2].moduleCode: expected a string, got number");
}

TEST(DecodeBadInput, NonUtf8BytesAreRefusedWithTheirByteOffset) {
  const std::string bad_bytes[] = {"\xFF", "\xC3(", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"};
  for (const Listing& endpoint : both) {
    for (const std::string& bad : bad_bytes) {
      std::string body = list_body(endpoint, 3, 2, [](json::object& item) { item["createTime"] = "@@MARK@@"; });
      const std::size_t at = body.find("@@MARK@@");
      body.replace(at, 8, "2025" + bad);
      // The offset points into that string value: "at byte N" with N at or after its start.
      const Result<std::size_t> decoded = endpoint.decode(body);
      ASSERT_FALSE(decoded);
      expect_failure(endpoint, body, errc::malformed_response, "not valid JSON at byte ");
      const std::string& detail = decoded.error().detail;
      const std::size_t offset = std::stoul(detail.substr(std::string_view("not valid JSON at byte ").size()));
      EXPECT_GE(offset, at) << detail;
      EXPECT_LE(offset, at + 4 + bad.size()) << detail;
    }
  }
}

TEST(DecodeBadInput, NestingBeyondMaxDepthIsRefusedWithoutExhaustingTheStack) {
  for (const Listing& endpoint : both) {
    // Just past the limit, in an ignored field of an item, and 100,000 levels deep at the top.
    const std::size_t levels[] = {DecodeLimits{}.max_depth, 100'000};
    for (std::size_t depth : levels) {
      const std::string deep = std::string(depth, '[') + std::string(depth, ']');
      std::string body = list_body(endpoint, 3, 2, [](json::object& item) { item["extra"] = "@@DEEP@@"; });
      body.replace(body.find("\"@@DEEP@@\""), 10, deep);
      expect_failure(endpoint, body, errc::malformed_response, "not valid JSON at byte ");
      EXPECT_THAT(endpoint.decode(body).error().detail, HasSubstr("too deep"));
    }
    const std::string object_bomb = std::string(100'000, '[');
    expect_failure(endpoint, object_bomb, errc::malformed_response, "not valid JSON at byte ");
  }
  // Exactly at the limit is fine: depth is counted, not guessed.
  json::value nested = json::array{};
  for (std::size_t i = 0; i < DecodeLimits{}.max_depth - 4; ++i) nested = json::array{nested};
  const std::string body =
      list_body(devices, 1, 0, [&](json::object& item) { item["extra"] = nested; });
  EXPECT_TRUE(devices.decode(body)) << devices.decode(body).error().message();
}

TEST(DecodeBadInput, AHundredThousandItemsDecodeAndOneBadItemAmongThemIsNamed) {
  constexpr std::size_t count = 100'000;
  for (const Listing& endpoint : both) {
    const std::string good = list_body(endpoint, count, count, [](json::object&) {});
    const Result<std::size_t> decoded = endpoint.decode(good);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(*decoded, count);

    const std::string last_bad =
        list_body(endpoint, count, count - 1, [&](json::object& item) { item[endpoint.id_field] = 5; });
    expect_failure(endpoint, last_bad, errc::malformed_response,
                   path(endpoint, count - 1, endpoint.id_field) + ": expected a string of decimal digits, got number");
  }
  // A huge array where an item is not an object.
  json::array numbers(count, json::value(1));
  const std::string body = json::serialize(json::object{{"code", 0}, {"scopeList", numbers}});
  expect_failure(scopes, body, errc::malformed_response, "scopeList[0]: expected an object, got number");
}

TEST(DecodeBadInput, AWrongListOrEnvelopeNamesTheKey) {
  for (const Listing& endpoint : both) {
    const std::string key(endpoint.list_key);
    const struct {
      std::string body;
      std::string detail;
    } cases[] = {
        {R"({"code":0})", key + ": missing"},
        {R"({"code":0,")" + key + R"(":null})", key + ": expected an array, got null"},
        {R"({"code":0,")" + key + R"(":{"0":{}}})", key + ": expected an array, got object"},
        {R"({")" + key + R"(":[]})", "code: missing"},
        {R"({"code":"zero",")" + key + R"(":[]})", "code: expected an integer, got string \"zero\""},
        {R"({"code":1e999,")" + key + R"(":[]})", "code: expected an integer, got number"},
        {R"([{"code":0}])", "top level: expected an object, got array"},
        {"", "empty body"},
        {R"({"code":0,")" + key + R"(":[)", "not valid JSON at byte "},
    };
    for (const auto& c : cases) expect_failure(endpoint, c.body, errc::malformed_response, c.detail);
  }
}

TEST(DecodeBadInput, PeerTextQuotedInAnErrorStaysShortAndOnOneLine) {
  const std::string hostile = "1\r\nX-Injected: yes\x1b[31m" + std::string(5'000, '9');
  for (const Listing& endpoint : both) {
    const std::string body =
        list_body(endpoint, 3, 2, [&](json::object& item) { item[endpoint.id_field] = hostile; });
    expect_failure(endpoint, body, errc::malformed_response, path(endpoint, 2, endpoint.id_field) + ": expected ");
    const std::string message = endpoint.decode(body).error().message();
    EXPECT_LT(message.size(), 300u) << message;
    EXPECT_EQ(message.find('\r'), std::string::npos);
    EXPECT_EQ(message.find('\x1b'), std::string::npos);
  }
}

}  // namespace
}  // namespace kda::api
