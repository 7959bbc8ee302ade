#include "sim/simulator.hpp"

#include "api/signer.hpp"
#include "sim/population.hpp"
#include "time_budget.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <chrono>

namespace kda::sim {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view user = "1505084218764547200";
constexpr std::string_view app_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr std::string_view secret = "test-app-secret";
const SystemTime now = *parse_x_date("20251103T070140Z");
const std::string devices_path = "/koodrive/ose/v1/backup/device";

SimState two_devices() {
  SimState state(1);
  state.add_user(std::string(user));
  for (const char* id : {"1775406005920779393", "1775406005920779394"}) {
    state.add_device(NewDevice{"", id, "m", "Magic v3", "android", "2025-09-15T06:14:48.630Z"}).value();
  }
  state.add_scope("1775406005920779393",
                  NewScope{100, "1842846715527366528", "/DCIM", "/backup/DCIM", "2025-12-17T07:27:27.709Z"})
      .value();
  return state;
}

SimulatorConfig config(std::chrono::milliseconds latency = 0ms) {
  SimulatorConfig c;
  c.credentials.app = AppCredentials{std::string(app_id), std::string(secret), {}};
  c.credentials.token = TokenCredentials{"tok", "Bearer {token}"};
  c.latency = latency;
  return c;
}

std::string scopes_target(std::string_view device, std::string_view query = "?moduleCode=100") {
  return devices_path + "/" + std::string(device) + "/scope" + std::string(query);
}

HttpRequest token_request(std::string target, std::string authorization = "Bearer tok") {
  HttpRequest request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1:18080");
  request.set("X-Date", format_x_date(now - 2s));
  request.set("X-User-Id", user);
  request.set(http::field::authorization, authorization);
  return request;
}

// Signed over the path and decoded query as the client would send them.
HttpRequest signed_request(std::string path, std::vector<std::pair<std::string, std::string>> query) {
  std::string target = path;
  for (std::size_t i = 0; i < query.size(); ++i)
    target += (i ? "&" : "?") + query[i].first + "=" + query[i].second;
  HttpRequest request = token_request(target);
  const api::RequestToSign to_sign{"GET", path, query, "127.0.0.1:18080", format_x_date(now - 2s),
                                   std::string(user), ""};
  request.set(http::field::authorization, api::sign(to_sign, app_id, secret));
  return request;
}

HttpRequest control(http::verb method, std::string target, std::string body = {}) {
  HttpRequest request{method, target, 11};
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

json::value body_of(const Reply& reply) { return json::parse(reply.response.body()); }

class SimulatorTest : public ::testing::Test {
 protected:
  Simulator sim{two_devices(), config()};
  std::uint64_t counted(Endpoint endpoint, const std::string& outcome) {
    const auto counters = sim.counters_json();
    const auto* n = counters.at("by_endpoint").at(to_string(endpoint)).as_object().if_contains(outcome);
    return n == nullptr ? 0 : n->as_uint64();
  }
};

TEST_F(SimulatorTest, ListsDevicesForAToken) {
  const Reply reply = sim.handle(token_request(devices_path), now);
  EXPECT_EQ(reply.response.result_int(), 200);
  EXPECT_EQ(reply.delivery, Delivery::normal);
  EXPECT_EQ(reply.response[http::field::content_type], "application/json;charset=UTF-8");
  EXPECT_EQ(reply.response[http::field::date], "Mon, 03 Nov 2025 07:01:40 GMT");
  const auto data = body_of(reply).at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].at("deviceId"), "1775406005920779393");
  EXPECT_EQ(sim.handle(token_request(devices_path + "/"), now).response.result_int(), 200);
}

TEST_F(SimulatorTest, ListsScopesForAnAppSignature) {
  const Reply reply = sim.handle(
      signed_request(devices_path + "/1775406005920779393/scope", {{"moduleCode", "100"}}), now);
  ASSERT_EQ(reply.response.result_int(), 200) << reply.response.body();
  const auto list = body_of(reply).at("scopeList").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("moduleCode"), "100");
  EXPECT_EQ(list[0].at("scopeId"), "1842846715527366528");
  const Reply empty = sim.handle(
      signed_request(devices_path + "/1775406005920779393/scope", {{"moduleCode", "101"}}), now);
  EXPECT_TRUE(body_of(empty).at("scopeList").as_array().empty());
}

TEST_F(SimulatorTest, VerifiesSignaturesOverPercentEncodedQueries) {
  // The query as sent is percent-encoded; the signature covers the decoded values.
  HttpRequest request =
      signed_request(devices_path + "/1775406005920779393/scope", {{"moduleCode", "100"}, {"x", "a b"}});
  request.target(devices_path + "/1775406005920779393/scope?moduleCode=100&x=a%20b");
  EXPECT_EQ(sim.handle(request, now).response.result_int(), 200) << sim.handle(request, now).response.body();
}

TEST_F(SimulatorTest, RejectsBadAuthenticationWith400) {
  const Reply reply = sim.handle(token_request(devices_path, "Bearer nope"), now);
  EXPECT_EQ(reply.response.result_int(), 400);
  EXPECT_EQ(body_of(reply), json::parse(R"({"code":400,"msg":"authentication failed: wrong token"})"));
  const Reply late = sim.handle(token_request(devices_path), now + 20min);
  EXPECT_EQ(body_of(late).at("msg"), "authentication failed: X-Date is older than 15 minutes");
  EXPECT_EQ(counted(Endpoint::devices, "400"), 2u);
}

TEST_F(SimulatorTest, ValidatesModuleCodeAndDevice) {
  for (std::string query : {"", "?moduleCode=103", "?moduleCode=", "?modulecode=100"}) {
    const Reply reply = sim.handle(token_request(scopes_target("1775406005920779393", query)), now);
    EXPECT_EQ(reply.response.result_int(), 400) << query;
    EXPECT_EQ(body_of(reply), json::parse(R"({"code":13000102,"msg":"Verify parameters failed"})"));
  }
  const Reply unknown = sim.handle(token_request(scopes_target("1")), now);
  EXPECT_EQ(unknown.response.result_int(), 400);
  EXPECT_EQ(body_of(unknown), json::parse(R"({"code":13000309,"msg":"resource not found"})"));
}

TEST_F(SimulatorTest, AnswersOtherPathsAndMethods) {
  EXPECT_EQ(sim.handle(token_request("/koodrive/ose/v1/backup/lock"), now).response.result_int(), 404);
  HttpRequest post = token_request(devices_path);
  post.method(http::verb::post);
  EXPECT_EQ(sim.handle(post, now).response.result_int(), 405);
  EXPECT_EQ(counted(Endpoint::other, "404"), 1u);
  EXPECT_EQ(counted(Endpoint::devices, "405"), 1u);
}

TEST_F(SimulatorTest, AStatusFaultThenTheRealAnswer) {
  EXPECT_EQ(sim.handle(control(http::verb::post, "/_sim/faults",
                               R"({"kind":"status","status":503,"retry_after":3,"count":1})"),
                       now)
                .response.result_int(),
            200);
  const Reply failed = sim.handle(token_request(devices_path), now);
  EXPECT_EQ(failed.response.result_int(), 503);
  EXPECT_EQ(failed.response[http::field::retry_after], "3");
  EXPECT_EQ(body_of(failed), json::parse(R"({"code":13000201,"msg":"inner server invoke failure"})"));
  EXPECT_EQ(sim.handle(token_request(devices_path), now).response.result_int(), 200);
  EXPECT_EQ(counted(Endpoint::devices, "503"), 1u);
  EXPECT_EQ(counted(Endpoint::devices, "200"), 1u);
  EXPECT_EQ(sim.fault_rule_count(), 0u);
}

TEST_F(SimulatorTest, FaultsSpareRejectedRequests) {
  sim.handle(control(http::verb::post, "/_sim/faults", R"({"kind":"drop","count":1})"), now);
  EXPECT_EQ(sim.handle(token_request(devices_path, "Bearer nope"), now).delivery, Delivery::normal);
  EXPECT_EQ(sim.handle(token_request(devices_path), now).delivery, Delivery::drop);
}

TEST_F(SimulatorTest, EachFaultKind) {
  auto with_fault = [&](std::string rule, std::string target) {
    sim.handle(control(http::verb::post, "/_sim/faults", rule), now);
    Reply reply = sim.handle(token_request(target), now);
    sim.handle(control(http::verb::delete_, "/_sim/faults"), now);
    return reply;
  };
  const std::string scopes = scopes_target("1775406005920779393");

  const Reply api_code = with_fault(R"({"kind":"api_code","code":13000102,"http_status":400})", scopes);
  EXPECT_EQ(api_code.response.result_int(), 400);
  EXPECT_EQ(body_of(api_code), json::parse(R"({"code":13000102,"msg":"Verify parameters failed"})"));
  const Reply custom = with_fault(R"({"kind":"api_code","code":13000410,"msg":"no permission"})", scopes);
  EXPECT_EQ(custom.response.result_int(), 200);
  EXPECT_EQ(body_of(custom).at("msg"), "no permission");

  const Reply malformed = with_fault(R"({"kind":"malformed"})", devices_path);
  EXPECT_EQ(malformed.response.result_int(), 200);
  boost::system::error_code ec;
  json::parse(malformed.response.body(), ec);
  EXPECT_TRUE(ec) << malformed.response.body();

  const Reply truncated = with_fault(R"({"kind":"truncated"})", devices_path);
  EXPECT_EQ(truncated.delivery, Delivery::truncated);
  EXPECT_EQ(truncated.response[http::field::content_length],
            std::to_string(truncated.response.body().size()));
  EXPECT_EQ(truncated.outcome, "truncated");

  const Reply wrong_type = with_fault(R"({"kind":"wrong_type"})", scopes);
  EXPECT_TRUE(body_of(wrong_type).at("scopeList").at(0).at("scopeId").is_number());
  const Reply wrong_devices = with_fault(R"({"kind":"wrong_type"})", devices_path);
  EXPECT_TRUE(body_of(wrong_devices).at("data").at(0).at("deviceId").is_number());
  // The cached device list is not the wrong_type one.
  EXPECT_TRUE(body_of(sim.handle(token_request(devices_path), now)).at("data").at(0).at("deviceId").is_string());

  EXPECT_EQ(with_fault(R"({"kind":"drop"})", devices_path).delivery, Delivery::drop);
  EXPECT_EQ(with_fault(R"({"kind":"hang"})", devices_path).delivery, Delivery::hang);
  EXPECT_EQ(counted(Endpoint::devices, "drop"), 1u);
  EXPECT_EQ(counted(Endpoint::devices, "hang"), 1u);
}

TEST_F(SimulatorTest, LatencyIsTheBaseDelayPlusFaults) {
  Simulator slow(two_devices(), config(20ms));
  EXPECT_EQ(slow.handle(token_request(devices_path), now).delay, 20ms);
  slow.handle(control(http::verb::post, "/_sim/faults", R"({"kind":"latency","ms":100,"endpoint":"scopes"})"), now);
  EXPECT_EQ(slow.handle(token_request(devices_path), now).delay, 20ms);
  EXPECT_EQ(slow.handle(token_request(scopes_target("1775406005920779393")), now).delay, 120ms);
  EXPECT_EQ(slow.handle(control(http::verb::get, "/_sim/counters"), now).delay, 0ms);
}

TEST_F(SimulatorTest, CountsRequestsInFlight) {
  {
    Reply first = sim.handle(token_request(devices_path), now);
    Reply second = sim.handle(token_request(devices_path), now);
    const auto counters = sim.counters_json();
    EXPECT_EQ(counters.at("in_flight"), 2u);
    EXPECT_EQ(counters.at("peak_in_flight"), 2u);
    Reply moved = std::move(first);
    EXPECT_EQ(sim.counters_json().at("in_flight"), 2u);
  }
  const auto counters = sim.counters_json();
  EXPECT_EQ(counters.at("in_flight"), 0u);
  EXPECT_EQ(counters.at("peak_in_flight"), 2u);
  EXPECT_EQ(counters.at("total"), 2u);
  // Control requests are not counted.
  sim.handle(control(http::verb::get, "/_sim/state"), now);
  EXPECT_EQ(sim.counters_json().at("total"), 2u);
}

TEST_F(SimulatorTest, ControlChangesAreSeenByTheEndpoints) {
  const Reply added = sim.handle(
      control(http::verb::post, "/_sim/devices",
              R"({"deviceId":"1000000000000000001","machineCode":"m","deviceName":"New","deviceOS":"android"})"),
      now);
  ASSERT_EQ(added.response.result_int(), 200) << added.response.body();
  EXPECT_TRUE(added.control);
  auto listed = body_of(sim.handle(token_request(devices_path), now)).at("data").as_array();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[2].at("deviceName"), "New");
  EXPECT_EQ(listed[2].at("createTime"), "2025-11-03T07:01:40.000Z");

  sim.handle(control(http::verb::delete_, "/_sim/devices/1775406005920779393"), now);
  listed = body_of(sim.handle(token_request(devices_path), now)).at("data").as_array();
  EXPECT_EQ(listed.size(), 2u);
  EXPECT_EQ(body_of(sim.handle(token_request(scopes_target("1775406005920779393")), now)).at("code"),
            13000309);
}

TEST(SimulatorScale, AnswersTheBenchmarkPopulationQuickly) {
  SimState state(1);
  generate_population(state, {std::string(user), 10'000, 3, 1});
  const std::string some_device = state.find_user(user)->devices[1234].device.device_id;
  Simulator sim(std::move(state), config());
  const auto start = std::chrono::steady_clock::now();
  const Reply list = sim.handle(token_request(devices_path), now);
  EXPECT_EQ(body_of(list).at("data").as_array().size(), 10'000u);
  for (int i = 0; i < 1000; ++i) {
    const Reply scopes = sim.handle(token_request(scopes_target(some_device, "?moduleCode=101")), now);
    ASSERT_EQ(scopes.response.result_int(), 200);
  }
  if (test::speed_is_measured) {
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  }
}

}  // namespace
}  // namespace kda::sim
