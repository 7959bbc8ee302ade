#include "sim/api_bodies.hpp"
#include "sim/api_routes.hpp"

#include "api/decode.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace kda::sim {
namespace {

namespace json = boost::json;

const Device device{"1775406005920779393", "20250911", "Magic v3", "android",
                    "2025-09-15T06:14:48.630Z"};
const Scope scope{"1842846715527366528", 101, "/DCIM", "/backup/DCIM", "2025-12-17T07:27:27.709Z"};

std::vector<std::string> keys(const json::object& object) {
  std::vector<std::string> out;
  for (const auto& member : object) out.emplace_back(member.key());
  return out;
}

TEST(ApiBodies, DeviceListHasTheDocumentedShape) {
  const auto body = json::parse(device_list_body({SimDevice{device, {}}}));
  const auto& root = body.as_object();
  EXPECT_EQ(keys(root), (std::vector<std::string>{"code", "msg", "data"}));
  EXPECT_EQ(root.at("code"), 0);
  EXPECT_EQ(root.at("msg"), "success");
  const auto& entry = root.at("data").as_array().at(0).as_object();
  EXPECT_EQ(keys(entry), (std::vector<std::string>{"deviceId", "machineCode", "deviceName",
                                                   "deviceOS", "createTime"}));
  EXPECT_EQ(entry.at("deviceId"), "1775406005920779393");
  EXPECT_EQ(entry.at("deviceOS"), "android");
}

TEST(ApiBodies, ScopeListIsTopLevelWithModuleCodeAsAString) {
  const auto body = json::parse(scope_list_body({scope}));
  const auto& root = body.as_object();
  EXPECT_EQ(keys(root), (std::vector<std::string>{"code", "msg", "scopeList"}));
  const auto& entry = root.at("scopeList").as_array().at(0).as_object();
  EXPECT_EQ(keys(entry), (std::vector<std::string>{"localPath", "targetFolderPath", "scopeId",
                                                   "moduleCode", "createTime"}));
  EXPECT_EQ(entry.at("moduleCode"), "101");
  EXPECT_EQ(entry.at("scopeId"), "1842846715527366528");
  EXPECT_TRUE(json::parse(scope_list_body({})).as_object().at("scopeList").as_array().empty());
}

TEST(ApiBodies, TheClientsDecoderReadsThem) {
  const auto devices = api::decode_device_list(device_list_body({SimDevice{device, {}}}), "test");
  ASSERT_TRUE(devices) << devices.error().message();
  EXPECT_EQ(*devices, std::vector<Device>{device});
  const auto scopes = api::decode_scope_list(scope_list_body({scope}), 101, "test");
  ASSERT_TRUE(scopes) << scopes.error().message();
  EXPECT_EQ(*scopes, std::vector<Scope>{scope});
}

TEST(ApiBodies, WrongTypeSendsIdsAsNumbers) {
  const auto devices = json::parse(device_list_body({SimDevice{device, {}}}, true));
  EXPECT_TRUE(devices.at("data").at(0).at("deviceId").is_number());
  EXPECT_EQ(devices.at("data").at(0).at("deviceId").to_number<std::uint64_t>(),
            1775406005920779393ULL);
  const auto scopes = json::parse(scope_list_body({scope}, true));
  EXPECT_TRUE(scopes.at("scopeList").at(0).at("scopeId").is_number());
  EXPECT_FALSE(api::decode_device_list(device_list_body({SimDevice{device, {}}}, true), "t"));
}

TEST(ApiBodies, ErrorEnvelope) {
  EXPECT_EQ(error_body(13000201, "inner server invoke failure"),
            R"({"code":13000201,"msg":"inner server invoke failure"})");
  EXPECT_EQ(api_code_message(code_bad_parameter), "Verify parameters failed");
  EXPECT_EQ(api_code_message(code_not_found), "resource not found");
}

TEST(ApiRoutes, NamesTheTwoEndpoints) {
  EXPECT_EQ(route_api("/koodrive/ose/v1/backup/device").endpoint, Endpoint::devices);
  EXPECT_EQ(route_api("/koodrive/ose/v1/backup/device/").endpoint, Endpoint::devices);
  const auto scopes = route_api("/koodrive/ose/v1/backup/device/1775406005920779393/scope/");
  EXPECT_EQ(scopes.endpoint, Endpoint::scopes);
  EXPECT_EQ(scopes.device_id, "1775406005920779393");
  for (auto other : {"/", "/koodrive/ose/v1/backup/devices", "/koodrive/ose/v1/backup/device//scope",
                     "/koodrive/ose/v1/backup/device/1/2/scope",
                     "/koodrive/ose/v1/backup/device/1/scopes", "/koodrive/ose/v1/backup/lock"}) {
    EXPECT_EQ(route_api(other).endpoint, Endpoint::other) << other;
  }
  EXPECT_TRUE(is_control_path("/_sim/state"));
  EXPECT_TRUE(is_control_path("/_sim"));
  EXPECT_FALSE(is_control_path("/_simulate"));
}

}  // namespace
}  // namespace kda::sim
