// Response decoding (koodrive-api.md §4, §5): the seed examples, every malformed shape, and the
// meaning of non-200 answers.
#include "api/decode.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kda::api {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view device_context = "GET /koodrive/ose/v1/backup/device";
constexpr std::string_view scope_context =
    "GET /koodrive/ose/v1/backup/device/1842812272691451648/scope?moduleCode=102";

std::string fixture(std::string_view name) {
  std::ifstream in(std::string(KDA_SOURCE_DIR) + "/tests/fixtures/api/" + std::string(name),
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json::object a_device(std::string_view id = "1775406005920779393") {
  return {{"deviceId", id},
          {"machineCode", "20250911"},
          {"deviceOS", "android"},
          {"deviceName", "Magic v3"},
          {"createTime", "2025-09-15T06:14:48.630Z"}};
}

json::object a_scope(std::string_view id = "1842846715527366528", std::string_view module = "102") {
  return {{"localPath", "/DCIM"},
          {"targetFolderPath", "/backup/DCIM"},
          {"scopeId", id},
          {"moduleCode", module},
          {"createTime", "2025-12-17T07:27:27.709Z"}};
}

std::string envelope(std::string_view list_key, json::array items) {
  return json::serialize(json::object{{"code", 0}, {"msg", "success"}, {list_key, std::move(items)}});
}

// A device list of two: a good one, then `second`.
std::string devices_with(json::object second) {
  return envelope("data", json::array{a_device("1"), std::move(second)});
}
std::string scopes_with(json::object second) {
  return envelope("scopeList", json::array{a_scope("1"), std::move(second)});
}

Error device_error(std::string_view body, const DecodeLimits& limits = {}) {
  auto result = decode_device_list(body, device_context, limits);
  EXPECT_FALSE(result) << body;
  if (result) return {};
  EXPECT_EQ(result.error().context, device_context);
  return result.error();
}

Error scope_error(std::string_view body, int module = 102) {
  auto result = decode_scope_list(body, module, scope_context);
  EXPECT_FALSE(result) << body;
  if (result) return {};
  EXPECT_EQ(result.error().context, scope_context);
  return result.error();
}

bool is(const Error& error, errc expected) { return error.code == make_error_code(expected); }

// ---------------------------------------------------------------------------------------------
// Good bodies.

TEST(DecodeDeviceList, SeedExampleDecodesExactly) {
  auto devices = decode_device_list(fixture("list-bound-devices.json"), device_context);
  ASSERT_TRUE(devices) << devices.error().message();
  const std::vector<Device> expected{
      {"1775406005920779393", "20250911", "Magic v3", "android", "2025-09-15T06:14:48.630Z"},
      {"1842812272691451648", "20251217", "Magic-v5", "android", "2025-12-17T06:19:01.803Z"},
  };
  EXPECT_EQ(*devices, expected);
}

TEST(DecodeScopeList, SeedExampleDecodesExactly) {
  auto scopes = decode_scope_list(fixture("list-backup-scopes.json"), module_address_book, scope_context);
  ASSERT_TRUE(scopes) << scopes.error().message();
  const std::vector<Scope> expected{
      {"1842846715527366528", 102, "/asdkhsdahjksd", "/ashdjkha", "2025-12-17T07:27:27.709Z"},
  };
  EXPECT_EQ(*scopes, expected);
}

TEST(DecodeDeviceList, EmptyListIsNoDevices) {
  auto devices = decode_device_list(R"({"code":0,"msg":"success","data":[]})", device_context);
  ASSERT_TRUE(devices);
  EXPECT_TRUE(devices->empty());
  auto scopes = decode_scope_list(R"({"scopeList":[],"code":0})", 100, scope_context);
  ASSERT_TRUE(scopes);
  EXPECT_TRUE(scopes->empty());
}

TEST(DecodeDeviceList, LongIdsSurviveExactly) {
  // 19 digits (> 2^53, would round as a double), 17 digits, 32 digits, leading zeros.
  const char* ids[] = {"9007199254740993123", "9007199254740993", "12345678901234567",
                       "12345678901234567890123456789012", "0001775406005920779393"};
  json::array items;
  for (const char* id : ids) items.push_back(a_device(id));
  auto devices = decode_device_list(envelope("data", items), device_context);
  ASSERT_TRUE(devices) << devices.error().message();
  ASSERT_EQ(devices->size(), std::size(ids));
  for (std::size_t i = 0; i < std::size(ids); ++i) EXPECT_EQ((*devices)[i].device_id, ids[i]);

  auto scopes = decode_scope_list(
      envelope("scopeList", json::array{a_scope("1842846715527366528"), a_scope("18428467155273665")}),
      102, scope_context);
  ASSERT_TRUE(scopes) << scopes.error().message();
  EXPECT_EQ((*scopes)[0].scope_id, "1842846715527366528");
  EXPECT_EQ((*scopes)[1].scope_id, "18428467155273665");
}

TEST(DecodeDeviceList, UnknownFieldsAreIgnored) {
  json::object device = a_device();
  device["firmware"] = json::object{{"nested", json::array{1, 2, 3}}};
  device["deviceType"] = 7;
  json::object root{{"code", 0}, {"msg", "success"}, {"data", json::array{device}},
                    {"traceId", "abc"}, {"total", 1}};
  auto devices = decode_device_list(json::serialize(root), device_context);
  ASSERT_TRUE(devices) << devices.error().message();
  EXPECT_EQ(devices->at(0), (Device{"1775406005920779393", "20250911", "Magic v3", "android",
                                    "2025-09-15T06:14:48.630Z"}));
}

TEST(DecodeDeviceList, MsgIsNotRequiredOnSuccess) {
  auto devices = decode_device_list(R"({"code":0,"data":[]})", device_context);
  EXPECT_TRUE(devices);
  devices = decode_device_list(R"({"code":0,"msg":null,"data":[]})", device_context);
  EXPECT_TRUE(devices);
}

TEST(DecodeDeviceList, StringCodeZeroIsSuccess) {
  // koodrive-api.md §4: `code` is a string in a few file APIs; "0" means success there too.
  auto devices = decode_device_list(R"({"code":"0","msg":"success","data":[]})", device_context);
  ASSERT_TRUE(devices) << devices.error().message();
}

TEST(DecodeDeviceList, NameAndOsMayBeAbsentOrNull) {
  // Optional when a device is bound (POST /backup/device), so a listed device may lack them.
  json::object absent = a_device("2");
  absent.erase("deviceName");
  absent.erase("deviceOS");
  json::object null = a_device("3");
  null["deviceName"] = nullptr;
  null["deviceOS"] = nullptr;
  auto devices = decode_device_list(envelope("data", json::array{absent, null}), device_context);
  ASSERT_TRUE(devices) << devices.error().message();
  EXPECT_EQ(devices->at(0), (Device{"2", "20250911", "", "", "2025-09-15T06:14:48.630Z"}));
  EXPECT_EQ(devices->at(1), (Device{"3", "20250911", "", "", "2025-09-15T06:14:48.630Z"}));
}

TEST(DecodeScopeList, OnePathMayBeAbsentNullOrEmpty) {
  json::object no_local = a_scope("2");
  no_local.erase("localPath");
  json::object null_target = a_scope("3");
  null_target["targetFolderPath"] = nullptr;
  json::object empty_local = a_scope("4");
  empty_local["localPath"] = "";
  auto scopes = decode_scope_list(envelope("scopeList", json::array{no_local, null_target, empty_local}),
                                  102, scope_context);
  ASSERT_TRUE(scopes) << scopes.error().message();
  EXPECT_EQ(scopes->at(0).local_path, "");
  EXPECT_EQ(scopes->at(0).target_folder_path, "/backup/DCIM");
  EXPECT_EQ(scopes->at(1).target_folder_path, "");
  EXPECT_EQ(scopes->at(2).local_path, "");
}

TEST(DecodeDeviceList, Utf8TextIsKept) {
  json::object device = a_device();
  device["deviceName"] = "\xE5\xB0\x8F\xE7\xB1\xB3 caf\xC3\xA9";  // 小米 café
  auto devices = decode_device_list(envelope("data", json::array{device}), device_context);
  ASSERT_TRUE(devices);
  EXPECT_EQ(devices->at(0).device_name, "\xE5\xB0\x8F\xE7\xB1\xB3 caf\xC3\xA9");
  // \u escapes, including a surrogate pair (U+1F600), decode to UTF-8.
  devices = decode_device_list(
      R"({"code":0,"data":[{"deviceId":"1","machineCode":"m","deviceName":"\u00e9\ud83d\ude00","deviceOS":"x","createTime":"t"}]})",
      device_context);
  ASSERT_TRUE(devices) << devices.error().message();
  EXPECT_EQ(devices->at(0).device_name, "\xC3\xA9\xF0\x9F\x98\x80");
}

// ---------------------------------------------------------------------------------------------
// Not JSON.

TEST(DecodeDeviceList, NotJsonIsMalformedWithOffset) {
  Error error = device_error("<html><body>502 Bad Gateway</body></html>");
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_EQ(error.detail, "not valid JSON at byte 0: syntax error");
  EXPECT_TRUE(error.transient());

  error = device_error(R"({"code":0,"data":[} )");
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_EQ(error.detail, "not valid JSON at byte 18: syntax error");

  error = device_error("");
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_EQ(error.detail, "empty body");
}

TEST(DecodeDeviceList, TruncatedBodyIsMalformed) {
  const std::string whole = fixture("list-bound-devices.json");
  const std::string half = whole.substr(0, whole.size() / 2);
  Error error = device_error(half);
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_EQ(error.detail, "not valid JSON at byte " + std::to_string(half.size()) + ": incomplete JSON");
}

TEST(DecodeDeviceList, TrailingDataIsMalformed) {
  Error error = device_error(R"({"code":0,"data":[]}{"code":0,"data":[]})");
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_EQ(error.detail, "not valid JSON at byte 20: extra data");
  // Trailing whitespace is fine.
  EXPECT_TRUE(decode_device_list("{\"code\":0,\"data\":[]}\r\n  ", device_context));
}

TEST(DecodeDeviceList, InvalidUtf8IsMalformed) {
  const std::string bodies[] = {
      "{\"code\":0,\"data\":[{\"deviceId\":\"1\",\"machineCode\":\"m\",\"deviceName\":\"\xFF\"}]}",
      "{\"code\":0,\"data\":[{\"deviceId\":\"1\",\"machineCode\":\"m\",\"deviceName\":\"\xC3\"}]}",
      "{\"code\":0,\"data\":[{\"deviceId\":\"1\",\"machineCode\":\"m\",\"deviceName\":\"\xC0\xAF\"}]}",      // overlong "/"
      "{\"code\":0,\"data\":[{\"deviceId\":\"1\",\"machineCode\":\"m\",\"deviceName\":\"\xED\xA0\x80\"}]}",  // UTF-8 surrogate
      "{\"code\":0,\"data\":[{\"deviceId\":\"1\",\"machineCode\":\"m\",\"deviceName\":\"\\ud800\"}]}",       // lone \u surrogate
      "{\"code\":0,\"msg\":\"\xFE\",\"data\":[]}",
  };
  for (const std::string& body : bodies) {
    Error error = device_error(body);
    EXPECT_TRUE(is(error, errc::malformed_response)) << body;
    EXPECT_THAT(error.detail, StartsWith("not valid JSON at byte ")) << body;
  }
}

TEST(DecodeDeviceList, NestingBeyondTheLimitIsMalformed) {
  // An unknown field nested 40 deep: ignored fields still count.
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  Error error = device_error(R"({"code":0,"data":[],"x":)" + deep + "}");
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_THAT(error.detail, HasSubstr("too deep"));
  EXPECT_THAT(error.detail, StartsWith("not valid JSON at byte "));

  // The limit is configurable; a device list needs three levels.
  const std::string body = fixture("list-bound-devices.json");
  EXPECT_TRUE(decode_device_list(body, device_context, DecodeLimits{.max_depth = 3}));
  error = device_error(body, DecodeLimits{.max_depth = 2});
  EXPECT_THAT(error.detail, HasSubstr("too deep"));
}

TEST(DecodeDeviceList, TopLevelMustBeAnObject) {
  for (const char* body : {"[]", "0", "\"ok\"", "null", "true"}) {
    Error error = device_error(body);
    EXPECT_TRUE(is(error, errc::malformed_response));
    EXPECT_THAT(error.detail, StartsWith("top level: expected an object, got ")) << body;
  }
  EXPECT_EQ(device_error("[1]").detail, "top level: expected an object, got array");
}

// ---------------------------------------------------------------------------------------------
// The envelope.

TEST(DecodeDeviceList, NonZeroCodeIsApiErrorWithCodeAndMsg) {
  auto result = decode_device_list(fixture("error-inner-server-failure.json"), device_context);
  ASSERT_FALSE(result);
  const Error& error = result.error();
  EXPECT_TRUE(is(error, errc::api_error));
  EXPECT_EQ(error.api_code, 13000201);
  EXPECT_EQ(error.api_msg, "inner server invoke failure");
  EXPECT_TRUE(error.transient());
  EXPECT_EQ(error.message(),
            "GET /koodrive/ose/v1/backup/device: KooDrive API error code=13000201 "
            "(inner server invoke failure)");

  // A code != 0 wins over whatever else the body holds, list included.
  Error bad_parameter = device_error(
      R"({"code":13000102,"msg":"Verify parameters failed","data":[{"deviceId":1}]})");
  EXPECT_TRUE(is(bad_parameter, errc::api_error));
  EXPECT_EQ(bad_parameter.api_code, 13000102);
  EXPECT_EQ(bad_parameter.api_msg, "Verify parameters failed");
  EXPECT_FALSE(bad_parameter.transient());

  // msg missing or not a string: still the API error, without a message.
  Error no_msg = scope_error(R"({"code":13000309})");
  EXPECT_TRUE(is(no_msg, errc::api_error));
  EXPECT_EQ(no_msg.api_code, 13000309);
  EXPECT_EQ(no_msg.api_msg, "");
  EXPECT_EQ(scope_error(R"({"code":-1,"msg":7})").api_code, -1);
}

// Found by tests/fuzz/decode_fuzz.cpp: a msg with a line break forged a second log line.
TEST(DecodeDeviceList, ApiMsgStaysOnOneLineAndKeepsUtf8) {
  Error error = device_error(
      "{\"code\":13000201,\"msg\":\"fail\\n\\u0000poll.finished outcome=ok\\t\u9274\u6743\\u007f\"}");
  EXPECT_EQ(error.api_msg, "fail\\x0A\\x00poll.finished outcome=ok\\x09\u9274\u6743\\x7F");
  EXPECT_EQ(error.message().find('\n'), std::string::npos);

  Error status = error_from_status(400, R"({"code":13000102,"msg":"a\r\nb"})", device_context);
  EXPECT_EQ(status.api_msg, "a\\x0D\\x0Ab");
}

TEST(DecodeDeviceList, StringCodeOtherThanZeroIsApiError) {
  Error error = device_error(R"({"code":"13000201","msg":"inner server invoke failure"})");
  EXPECT_TRUE(is(error, errc::api_error));
  EXPECT_EQ(error.api_code, 13000201);
  EXPECT_EQ(error.api_msg, "inner server invoke failure");
}

TEST(DecodeDeviceList, CodeMustBeAnInteger) {
  struct Case {
    const char* body;
    const char* detail;
  };
  const Case cases[] = {
      {R"({"msg":"success","data":[]})", "code: missing"},
      {R"({"code":null,"data":[]})", "code: expected an integer, got null"},
      {R"({"code":true,"data":[]})", "code: expected an integer, got boolean"},
      {R"({"code":0.0,"data":[]})", "code: expected an integer, got number"},
      {R"({"code":1e3,"data":[]})", "code: expected an integer, got number"},
      {R"({"code":18446744073709551615,"data":[]})", "code: expected an integer, got number"},
      {R"({"code":"success","data":[]})", "code: expected an integer, got string \"success\""},
      {R"({"code":"","data":[]})", "code: expected an integer, got string \"\""},
      {R"({"code":" 0","data":[]})", "code: expected an integer, got string \" 0\""},
      {R"({"code":"APIGW.0301","data":[]})", "code: expected an integer, got string \"APIGW.0301\""},
      {R"({"code":[0],"data":[]})", "code: expected an integer, got array"},
      {R"({"code":{},"data":[]})", "code: expected an integer, got object"},
  };
  for (const Case& c : cases) {
    Error error = device_error(c.body);
    EXPECT_TRUE(is(error, errc::malformed_response)) << c.body;
    EXPECT_EQ(error.detail, c.detail) << c.body;
  }
}

TEST(DecodeDeviceList, MissingOrNullDataIsAnErrorNotAnEmptyList) {
  struct Case {
    const char* body;
    const char* detail;
  };
  const Case cases[] = {
      {R"({"code":0,"msg":"success"})", "data: missing"},
      {R"({"code":0,"msg":"success","data":null})", "data: expected an array, got null"},
      {R"({"code":0,"msg":"success","data":{}})", "data: expected an array, got object"},
      {R"({"code":0,"msg":"success","data":"[]"})", "data: expected an array, got string"},
      // The device list under the scope list's key, and the other way round.
      {R"({"code":0,"msg":"success","scopeList":[]})", "data: missing"},
  };
  for (const Case& c : cases) {
    Error error = device_error(c.body);
    EXPECT_TRUE(is(error, errc::malformed_response)) << c.body;
    EXPECT_EQ(error.detail, c.detail) << c.body;
  }
  EXPECT_EQ(scope_error(R"({"code":0,"msg":"success","data":{"scopeList":[]}})").detail,
            "scopeList: missing");
  EXPECT_EQ(scope_error(R"({"code":0,"scopeList":null})").detail,
            "scopeList: expected an array, got null");
}

TEST(DecodeDeviceList, ItemsMustBeObjects) {
  EXPECT_EQ(device_error(R"({"code":0,"data":[1]})").detail, "data[0]: expected an object, got number");
  EXPECT_EQ(device_error(envelope("data", json::array{a_device(), nullptr})).detail,
            "data[1]: expected an object, got null");
  EXPECT_EQ(scope_error(envelope("scopeList", json::array{json::array{}})).detail,
            "scopeList[0]: expected an object, got array");
}

// ---------------------------------------------------------------------------------------------
// Fields of a device.

TEST(DecodeDeviceList, WrongTypePerField) {
  struct Case {
    const char* field;
    json::value value;
    const char* detail;
  };
  const Case cases[] = {
      {"deviceId", 1775406005920779393, "data[1].deviceId: expected a string of decimal digits, got number"},
      {"deviceId", 12, "data[1].deviceId: expected a string of decimal digits, got number"},
      {"deviceId", nullptr, "data[1].deviceId: expected a string of decimal digits, got null"},
      {"deviceId", json::array{}, "data[1].deviceId: expected a string of decimal digits, got array"},
      {"machineCode", 20250911, "data[1].machineCode: expected a string, got number"},
      {"machineCode", nullptr, "data[1].machineCode: expected a string, got null"},
      {"deviceName", false, "data[1].deviceName: expected a string, got boolean"},
      {"deviceOS", json::object{}, "data[1].deviceOS: expected a string, got object"},
      {"createTime", 1757916888630, "data[1].createTime: expected a string, got number"},
      {"createTime", nullptr, "data[1].createTime: expected a string, got null"},
  };
  for (const Case& c : cases) {
    json::object device = a_device();
    device[c.field] = c.value;
    Error error = device_error(devices_with(device));
    EXPECT_TRUE(is(error, errc::malformed_response)) << c.field;
    EXPECT_EQ(error.detail, c.detail);
  }
}

TEST(DecodeDeviceList, MissingRequiredField) {
  for (const char* field : {"deviceId", "machineCode", "createTime"}) {
    json::object device = a_device();
    device.erase(field);
    Error error = device_error(devices_with(device));
    EXPECT_TRUE(is(error, errc::malformed_response)) << field;
    EXPECT_EQ(error.detail, "data[1]." + std::string(field) + ": missing");
  }
}

TEST(DecodeDeviceList, IdMustBeDecimalDigits) {
  struct Case {
    const char* id;
    const char* detail;
  };
  const Case cases[] = {
      {"12a", "data[1].deviceId: expected a string of decimal digits, got string \"12a\""},
      {"", "data[1].deviceId: expected a string of decimal digits, got string \"\""},
      {"-1", "data[1].deviceId: expected a string of decimal digits, got string \"-1\""},
      {" 1", "data[1].deviceId: expected a string of decimal digits, got string \" 1\""},
      {"1.0", "data[1].deviceId: expected a string of decimal digits, got string \"1.0\""},
      {"1e19", "data[1].deviceId: expected a string of decimal digits, got string \"1e19\""},
      {"\xD9\xA1", "data[1].deviceId: expected a string of decimal digits, got string \"\\xD9\\xA1\""},  // Arabic-Indic 1
      {"123456789012345678901234567890123", "data[1].deviceId: expected at most 32 digits, got 33"},
  };
  for (const Case& c : cases) {
    Error error = device_error(devices_with(a_device(c.id)));
    EXPECT_TRUE(is(error, errc::malformed_response)) << c.id;
    EXPECT_EQ(error.detail, c.detail);
  }
  // A quoted value is cut and kept on one line.
  Error long_text = device_error(devices_with(a_device(std::string(50, 'x') + "\n")));
  EXPECT_EQ(long_text.detail, "data[1].deviceId: expected a string of decimal digits, got string \"" +
                                  std::string(40, 'x') + "...\"");
}

// ---------------------------------------------------------------------------------------------
// Fields of a scope.

TEST(DecodeScopeList, WrongTypePerField) {
  struct Case {
    const char* field;
    json::value value;
    const char* detail;
  };
  const Case cases[] = {
      {"scopeId", 1842846715527366528, "scopeList[1].scopeId: expected a string of decimal digits, got number"},
      {"scopeId", "x1", "scopeList[1].scopeId: expected a string of decimal digits, got string \"x1\""},
      {"moduleCode", 102, "scopeList[1].moduleCode: expected a string, got number"},
      {"moduleCode", nullptr, "scopeList[1].moduleCode: expected a string, got null"},
      {"localPath", 1, "scopeList[1].localPath: expected a string, got number"},
      {"targetFolderPath", json::array{"/a"}, "scopeList[1].targetFolderPath: expected a string, got array"},
      {"createTime", 0, "scopeList[1].createTime: expected a string, got number"},
  };
  for (const Case& c : cases) {
    json::object scope = a_scope();
    scope[c.field] = c.value;
    Error error = scope_error(scopes_with(scope));
    EXPECT_TRUE(is(error, errc::malformed_response)) << c.field;
    EXPECT_EQ(error.detail, c.detail);
  }
}

TEST(DecodeScopeList, MissingRequiredField) {
  for (const char* field : {"scopeId", "moduleCode", "createTime"}) {
    json::object scope = a_scope();
    scope.erase(field);
    Error error = scope_error(scopes_with(scope));
    EXPECT_TRUE(is(error, errc::malformed_response)) << field;
    EXPECT_EQ(error.detail, "scopeList[1]." + std::string(field) + ": missing");
  }
}

TEST(DecodeScopeList, BothPathsEmptyIsMalformed) {
  json::object scope = a_scope();
  scope.erase("localPath");
  scope["targetFolderPath"] = "";
  Error error = scope_error(scopes_with(scope));
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_EQ(error.detail, "scopeList[1]: localPath and targetFolderPath both empty");
}

TEST(DecodeScopeList, ModuleCodeMustBeTheOneAskedFor) {
  Error error = scope_error(scopes_with(a_scope("2", "101")));
  EXPECT_TRUE(is(error, errc::malformed_response));
  EXPECT_EQ(error.detail, "scopeList[1].moduleCode: \"101\" but module 102 was requested");

  auto folder = decode_scope_list(envelope("scopeList", json::array{a_scope("7", "100")}), 100, scope_context);
  ASSERT_TRUE(folder) << folder.error().message();
  EXPECT_EQ(folder->at(0).module_code, module_folder);
  auto album = decode_scope_list(envelope("scopeList", json::array{a_scope("7", "101")}), 101, scope_context);
  ASSERT_TRUE(album) << album.error().message();
  EXPECT_EQ(album->at(0).module_code, module_album);
}

TEST(DecodeScopeList, UnknownModuleCodeIsMalformed) {
  for (const char* code : {"103", "", "10", "0102", "102 ", "album"}) {
    Error error = scope_error(scopes_with(a_scope("2", code)));
    EXPECT_TRUE(is(error, errc::malformed_response)) << code;
    EXPECT_EQ(error.detail, "scopeList[1].moduleCode: unknown module code \"" + std::string(code) +
                                "\", expected \"100\", \"101\" or \"102\"");
  }
}

TEST(DecodeScopeList, AskingForAnUnknownModuleIsInvalidRequest) {
  Error error = scope_error(fixture("list-backup-scopes.json"), 103);
  EXPECT_TRUE(is(error, errc::invalid_request));
  EXPECT_EQ(error.detail, "module code 103 is not a KooDrive module");
  EXPECT_FALSE(error.transient());
}

// ---------------------------------------------------------------------------------------------
// Non-200 answers.

TEST(ErrorFromStatus, BadParameterIsPermanentApiError) {
  Error error = error_from_status(400, R"({"code":13000102,"msg":"Verify parameters failed"})", scope_context);
  EXPECT_TRUE(is(error, errc::api_error));
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.api_code, api_code_bad_parameter);
  EXPECT_EQ(error.api_msg, "Verify parameters failed");
  EXPECT_EQ(error.detail, "");
  EXPECT_EQ(error.context, scope_context);
  EXPECT_FALSE(error.transient());
  EXPECT_EQ(error.message(), std::string(scope_context) +
                                 ": KooDrive API error (HTTP 400) code=13000102 (Verify parameters failed)");
}

TEST(ErrorFromStatus, ServerFailureIsTransientApiError) {
  Error error = error_from_status(400, fixture("error-inner-server-failure.json"), scope_context);
  EXPECT_TRUE(is(error, errc::api_error));
  EXPECT_EQ(error.api_code, api_code_server_failure);
  EXPECT_EQ(error.api_msg, "inner server invoke failure");
  EXPECT_TRUE(error.transient());
  // The string form of `code` counts too.
  error = error_from_status(400, R"({"code":"13000201","msg":"inner server invoke failure"})", scope_context);
  EXPECT_TRUE(is(error, errc::api_error));
  EXPECT_TRUE(error.transient());
}

TEST(ErrorFromStatus, OtherBusinessCodesAreApiErrors) {
  // Every documented code comes with 400 (koodrive-api.md §4); 13000309 = resource not found.
  Error error = error_from_status(400, R"({"code":13000309,"msg":"resource not found"})", scope_context);
  EXPECT_TRUE(is(error, errc::api_error));
  EXPECT_EQ(error.api_code, 13000309);
  EXPECT_FALSE(error.transient());
}

TEST(ErrorFromStatus, BadRequestWithANonBusinessCodeIsAuthRejected) {
  // The simulator (and a gateway) answer a refused login with "code":400; it is not one of
  // KooDrive's 13xxxxxx business codes, so it reads as "authentication failed".
  Error error = error_from_status(
      400, R"({"code":400,"msg":"authentication failed: X-Date is in the future"})", device_context);
  EXPECT_TRUE(is(error, errc::auth_rejected));
  EXPECT_FALSE(error.transient());
  EXPECT_EQ(error.api_code, 400);
  EXPECT_EQ(error.api_msg, "authentication failed: X-Date is in the future");
}

TEST(ErrorFromStatus, BadRequestWithoutCodeIsAuthRejected) {
  struct Case {
    std::string body;
    std::string detail;
  };
  const Case cases[] = {
      {"", "empty body"},
      {"Bad Request", "body: Bad Request"},
      {R"({"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"})",
       R"(body: {"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"})"},
      {R"({"code":"APIGW.0301","msg":"x"})", R"(body: {"code":"APIGW.0301","msg":"x"})"},
      {R"({"code":0,"msg":"success"})", R"(body: {"code":0,"msg":"success"})"},
      {"[1,2]", "body: [1,2]"},
  };
  for (const Case& c : cases) {
    Error error = error_from_status(400, c.body, device_context);
    EXPECT_TRUE(is(error, errc::auth_rejected)) << c.body;
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.api_code, 0);
    EXPECT_EQ(error.api_msg, "");
    EXPECT_EQ(error.detail, c.detail);
    EXPECT_FALSE(error.transient());
  }
}

TEST(ErrorFromStatus, UnauthorizedAndForbiddenAreAuthRejected) {
  for (int status : {401, 403}) {
    Error error = error_from_status(status, "", device_context);
    EXPECT_TRUE(is(error, errc::auth_rejected));
    EXPECT_EQ(error.http_status, status);
    EXPECT_FALSE(error.transient());
    // A code in the body is kept for the log line.
    error = error_from_status(status, R"({"code":13000410,"msg":"no permission"})", device_context);
    EXPECT_TRUE(is(error, errc::auth_rejected));
    EXPECT_EQ(error.api_code, 13000410);
    EXPECT_EQ(error.api_msg, "no permission");
    EXPECT_FALSE(error.transient());
  }
}

TEST(ErrorFromStatus, TooManyRequestsAndServerErrorsAreTransientHttpStatus) {
  for (int status : {429, 500, 502, 503, 504}) {
    Error error = error_from_status(status, "<html>busy</html>", device_context);
    EXPECT_TRUE(is(error, errc::http_status)) << status;
    EXPECT_EQ(error.http_status, status);
    EXPECT_EQ(error.detail, "body: <html>busy</html>");
    EXPECT_TRUE(error.transient()) << status;
  }
  Error error = error_from_status(500, fixture("error-inner-server-failure.json"), device_context);
  EXPECT_TRUE(is(error, errc::http_status));
  EXPECT_EQ(error.api_code, api_code_server_failure);
  EXPECT_TRUE(error.transient());
  EXPECT_EQ(error.message(), std::string(device_context) +
                                 ": HTTP 500 code=13000201 (inner server invoke failure)");
  // A 5xx whose body carries a permanent code is still worth another try.
  error = error_from_status(503, R"({"code":13000102,"msg":"x"})", device_context);
  EXPECT_TRUE(error.transient());
}

TEST(ErrorFromStatus, OtherStatusesArePermanentHttpStatus) {
  for (int status : {301, 302, 404, 405, 413}) {
    Error error = error_from_status(status, "nope", device_context);
    EXPECT_TRUE(is(error, errc::http_status)) << status;
    EXPECT_EQ(error.http_status, status);
    EXPECT_FALSE(error.transient()) << status;
  }
}

TEST(ErrorFromStatus, BodyExcerptIsFirst200BytesOnOneLine) {
  const std::string body = "line one\nline\ttwo\\ \xC3\xA9" + std::string(300, 'z');
  Error error = error_from_status(502, body, device_context);
  const std::string head = "line one\\x0Aline\\x09two\\x5C \\xC3\\xA9";
  EXPECT_EQ(error.detail, "body: " + head + std::string(200 - 21, 'z') + "...");
  EXPECT_EQ(error.detail.find('\n'), std::string::npos);

  const std::string exact(200, 'y');
  EXPECT_EQ(error_from_status(502, exact, device_context).detail, "body: " + exact);
}

}  // namespace
}  // namespace kda::api
