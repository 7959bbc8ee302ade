#include "sim/control_api.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace kda::sim {
namespace {

namespace json = boost::json;

constexpr std::string_view user = "1505084218764547200";
const SystemTime now = *parse_iso8601("2026-01-02T03:04:05.678Z");

class ControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override { state.add_user(std::string(user)); }

  ControlAnswer call(std::string_view method, std::string_view path, std::string_view body = {}) {
    return handle_control(method, path, body, ControlTarget{state, faults, counters}, now);
  }
  json::value ok(std::string_view method, std::string_view path, std::string_view body = {}) {
    const auto answer = call(method, path, body);
    EXPECT_EQ(answer.status, 200) << method << " " << path << ": " << answer.body;
    return json::parse(answer.body);
  }
  std::string add_device() {
    return std::string(ok("POST", "/_sim/devices",
                          R"({"machineCode":"m1","deviceName":"Mate X5","deviceOS":"HarmonyOS"})")
                           .at("deviceId")
                           .as_string());
  }

  SimState state{1};
  FaultRules faults;
  Counters counters;
};

TEST_F(ControlApiTest, AddsADeviceAndShowsItInTheState) {
  const auto device = ok("POST", "/_sim/devices",
                         R"({"machineCode":"m1","deviceName":"Mate X5","deviceOS":"HarmonyOS"})");
  const std::string id(device.at("deviceId").as_string());
  EXPECT_EQ(id.size(), 19u);
  EXPECT_EQ(device.at("createTime"), "2026-01-02T03:04:05.678Z");
  const auto listed = ok("GET", "/_sim/state").at("users").at(0).at("devices").at(0);
  EXPECT_EQ(listed.at("deviceId").as_string(), id);
  EXPECT_EQ(listed.at("deviceName"), "Mate X5");
  EXPECT_EQ(listed.at("scopes").at("100").as_array().size(), 0u);

  const auto given = ok("POST", "/_sim/devices/",
                        R"({"user_id":"1505084218764547200","deviceId":"1775406005920779393",
                            "machineCode":"m","deviceName":"n","deviceOS":"o"})");
  EXPECT_EQ(given.at("deviceId"), "1775406005920779393");
  EXPECT_EQ(call("POST", "/_sim/devices",
                 R"({"deviceId":"1775406005920779393","machineCode":"m","deviceName":"n","deviceOS":"o"})")
                .status,
            409);
}

TEST_F(ControlApiTest, ChangesAndRemovesADevice) {
  const auto id = add_device();
  const auto changed = ok("PATCH", "/_sim/devices/" + id, R"({"deviceName":"Renamed"})");
  EXPECT_EQ(changed.at("deviceName"), "Renamed");
  EXPECT_EQ(changed.at("machineCode"), "m1");
  EXPECT_EQ(ok("DELETE", "/_sim/devices/" + id).at("deviceId").as_string(), id);
  EXPECT_EQ(call("DELETE", "/_sim/devices/" + id).status, 404);
  EXPECT_EQ(call("PATCH", "/_sim/devices/" + id, "{}").status, 404);
}

TEST_F(ControlApiTest, AddsChangesAndRemovesScopes) {
  const auto id = add_device();
  const auto scope = ok("POST", "/_sim/devices/" + id + "/scopes",
                        R"({"moduleCode":"100","localPath":"/DCIM","targetFolderPath":"/b/DCIM"})");
  EXPECT_EQ(scope.at("moduleCode"), "100");
  const std::string scope_id(scope.at("scopeId").as_string());
  ok("POST", "/_sim/devices/" + id + "/scopes",
     R"({"moduleCode":102,"localPath":"/contacts","targetFolderPath":"/b/c","scopeId":"12"})");
  EXPECT_EQ(state.scope_count(), 2u);

  const auto changed = ok("PATCH", "/_sim/devices/" + id + "/scopes/" + scope_id,
                          R"({"targetFolderPath":"/moved"})");
  EXPECT_EQ(changed.at("targetFolderPath"), "/moved");
  EXPECT_EQ(changed.at("localPath"), "/DCIM");
  EXPECT_EQ(ok("DELETE", "/_sim/devices/" + id + "/scopes/12").at("scopeId"), "12");
  EXPECT_EQ(call("DELETE", "/_sim/devices/" + id + "/scopes/12").status, 404);
  EXPECT_EQ(state.scope_count(), 1u);
}

TEST_F(ControlApiTest, ManagesFaultRules) {
  EXPECT_EQ(ok("POST", "/_sim/faults", R"({"kind":"status","status":503,"count":1})").at("id"), 1);
  EXPECT_EQ(ok("POST", "/_sim/faults", R"({"kind":"latency","ms":10})").at("id"), 2);
  EXPECT_EQ(ok("GET", "/_sim/faults").at("faults").as_array().size(), 2u);
  EXPECT_EQ(ok("DELETE", "/_sim/faults/1").at("removed"), 1);
  EXPECT_EQ(call("DELETE", "/_sim/faults/1").status, 404);
  EXPECT_EQ(ok("DELETE", "/_sim/faults").at("removed"), 1);
  EXPECT_EQ(faults.size(), 0u);
}

TEST_F(ControlApiTest, ShowsAndResetsCounters) {
  counters.started();
  counters.record(Endpoint::scopes, "503");
  counters.finished();
  const auto shown = ok("GET", "/_sim/counters");
  EXPECT_EQ(shown.at("total"), 1u);
  EXPECT_EQ(shown.at("peak_in_flight"), 1u);
  EXPECT_EQ(shown.at("by_endpoint").at("scopes").at("503"), 1u);
  const auto reset = ok("POST", "/_sim/counters/reset");
  EXPECT_EQ(reset.at("total"), 0u);
  EXPECT_EQ(reset.at("peak_in_flight"), 0u);
  EXPECT_TRUE(reset.at("by_endpoint").at("scopes").as_object().empty());
}

TEST_F(ControlApiTest, AddsUsers) {
  EXPECT_EQ(ok("POST", "/_sim/users", R"({"user_id":"42"})").at("user_id"), "42");
  EXPECT_EQ(call("POST", "/_sim/users", R"({"user_id":"42"})").status, 409);
  // Now there are two users, so a device needs one named.
  EXPECT_EQ(call("POST", "/_sim/devices", R"({"machineCode":"m","deviceName":"n","deviceOS":"o"})")
                .status,
            400);
}

TEST_F(ControlApiTest, ExplainsWhatIsWrong) {
  auto error = [&](std::string_view method, std::string_view path, std::string_view body,
                   int status) {
    const auto answer = call(method, path, body);
    EXPECT_EQ(answer.status, status) << path << " " << body;
    return std::string(json::parse(answer.body).at("error").as_string());
  };
  EXPECT_NE(error("POST", "/_sim/devices", "{", 400).find("body: not valid JSON"), std::string::npos);
  EXPECT_EQ(error("POST", "/_sim/devices", R"({"machineCode":"m","deviceName":"n"})", 400),
            "deviceOS: missing");
  EXPECT_EQ(error("POST", "/_sim/devices", R"({"machineCode":"m","deviceName":"n","deviceOS":"o","color":1})", 400),
            "color: unknown key");
  EXPECT_EQ(error("POST", "/_sim/devices/404/scopes",
                  R"({"moduleCode":"100","localPath":"/a","targetFolderPath":"/b"})", 404),
            "no device 404");
  const auto id = add_device();
  EXPECT_EQ(error("POST", "/_sim/devices/" + id + "/scopes",
                  R"({"moduleCode":"103","localPath":"/a","targetFolderPath":"/b"})", 400),
            "moduleCode: must be 100, 101 or 102");
  EXPECT_EQ(error("POST", "/_sim/faults", R"({"kind":"nope"})", 400).substr(0, 5), "kind:");
  EXPECT_EQ(error("GET", "/_sim/devices", "", 405), "method not allowed");
  EXPECT_EQ(error("PUT", "/_sim/state", "", 405), "method not allowed");
  EXPECT_EQ(error("GET", "/_sim/nothing", "", 404), "no control endpoint GET /_sim/nothing");
  EXPECT_EQ(error("POST", "/_sim/devices", "", 400), "document: expected an object");
}

}  // namespace
}  // namespace kda::sim
