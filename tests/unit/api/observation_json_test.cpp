// observation_to_json and fetch_exit_code.
#include "koodrive_audit/api.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace kda::api {
namespace {

namespace json = boost::json;

Observation sample() {
  Observation observation;
  observation.account_id = "1505084218764547200";
  observation.devices = std::vector<Device>{
      {"1775406005920779393", "20250911", "Magic v3", "android", "2025-09-15T06:14:48.630Z"},
      {"17754060059207793", "m2", "Pad", "harmony", "2025-09-16T00:00:00.000Z"}};
  observation.scope_fetches.push_back(
      {{"1775406005920779393", 100},
       std::vector<Scope>{{"1842846715527366528", 100, "/DCIM", "/backup/DCIM", "2025-12-17T07:27:27.709Z"}}});
  observation.scope_fetches.push_back({{"1775406005920779393", 101}, std::vector<Scope>{}});
  observation.scope_fetches.push_back(
      {{"17754060059207793", 100},
       FetchFailure{"GET /koodrive/ose/v1/backup/device/17754060059207793/scope?moduleCode=100: HTTP 503",
                    503, 13000201, true}});
  return observation;
}

TEST(ObservationToJson, WritesDevicesScopesAndFailures) {
  const auto text = observation_to_json(sample());
  const json::value parsed = json::parse(text);
  EXPECT_EQ(parsed.at("account_id"), "1505084218764547200");
  const auto& devices = parsed.at("devices").as_array();
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].at("device_id"), "1775406005920779393");  // a string, exactly
  EXPECT_EQ(devices[0].at("machine_code"), "20250911");
  EXPECT_EQ(devices[0].at("device_name"), "Magic v3");
  EXPECT_EQ(devices[0].at("device_os"), "android");
  EXPECT_EQ(devices[0].at("create_time"), "2025-09-15T06:14:48.630Z");
  EXPECT_EQ(devices[1].at("device_id"), "17754060059207793");

  const auto& scopes = parsed.at("scopes").as_object();
  ASSERT_EQ(scopes.size(), 1u);  // the failed device has no entry
  const auto& device_scopes = scopes.at("1775406005920779393").as_object();
  ASSERT_EQ(device_scopes.at("100").as_array().size(), 1u);
  const auto& scope = device_scopes.at("100").as_array()[0];
  EXPECT_EQ(scope.at("scope_id"), "1842846715527366528");
  EXPECT_EQ(scope.at("module_code"), 100);
  EXPECT_EQ(scope.at("local_path"), "/DCIM");
  EXPECT_EQ(scope.at("target_folder_path"), "/backup/DCIM");
  EXPECT_TRUE(device_scopes.at("101").as_array().empty());  // fetched, empty: not a failure

  const auto& failures = parsed.at("failures").as_array();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].at("device_id"), "17754060059207793");
  EXPECT_EQ(failures[0].at("module_code"), 100);
  EXPECT_EQ(failures[0].at("http_status"), 503);
  EXPECT_EQ(failures[0].at("api_code"), 13000201);
  EXPECT_EQ(failures[0].at("transient"), true);
  EXPECT_NE(failures[0].at("reason").as_string().find("moduleCode=100: HTTP 503"), json::string::npos);
  EXPECT_TRUE(parsed.at("device_list_error").is_null());
  // Large IDs are never written as numbers.
  EXPECT_EQ(text.find(":1775406005920779393"), std::string::npos);
}

TEST(ObservationToJson, AFailedDeviceListIsTheError) {
  Observation observation;
  observation.account_id = "42";
  observation.devices = FetchFailure{"GET /koodrive/ose/v1/backup/device: authentication rejected (HTTP 400)",
                                     400, 400, false};
  const json::value parsed = json::parse(observation_to_json(observation));
  EXPECT_TRUE(parsed.at("devices").as_array().empty());
  EXPECT_TRUE(parsed.at("scopes").as_object().empty());
  EXPECT_TRUE(parsed.at("failures").as_array().empty());
  const auto& error = parsed.at("device_list_error");
  EXPECT_EQ(error.at("reason"), "GET /koodrive/ose/v1/backup/device: authentication rejected (HTTP 400)");
  EXPECT_EQ(error.at("transient"), false);
}

TEST(ObservationToJson, EscapesText) {
  Observation observation = sample();
  std::get<std::vector<Device>>(observation.devices)[0].device_name = "quote\" backslash\\ \n";
  const json::value parsed = json::parse(observation_to_json(observation));
  EXPECT_EQ(parsed.at("devices").as_array()[0].at("device_name"), "quote\" backslash\\ \n");
}

TEST(FetchExitCode, ZeroTwoOne) {
  Observation observation = sample();
  EXPECT_EQ(fetch_exit_code(observation), 2);
  observation.scope_fetches.pop_back();
  EXPECT_EQ(fetch_exit_code(observation), 0);
  observation.devices = FetchFailure{"x", 0, 0, true};
  observation.scope_fetches.clear();
  EXPECT_EQ(fetch_exit_code(observation), 1);
  Observation empty;
  empty.devices = std::vector<Device>{};
  EXPECT_EQ(fetch_exit_code(empty), 0);
}

TEST(ToFetchFailure, ReasonIsTheMessage) {
  Error error = make_error(errc::http_status, "GET /koodrive/ose/v1/backup/device");
  error.http_status = 503;
  const auto failure = to_fetch_failure(error);
  EXPECT_EQ(failure.reason, error.message());
  EXPECT_EQ(failure.http_status, 503);
  EXPECT_TRUE(failure.transient);
}

}  // namespace
}  // namespace kda::api
