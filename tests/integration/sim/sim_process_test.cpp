// koodrive-sim over the wire, driven through SimProcess.
#include "support/sim_process.hpp"
#include "support/test_ca.hpp"
#include "support/wait.hpp"

#include "api/signer.hpp"
#include "koodrive_audit/clock.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <signal.h>
#include <thread>

namespace kda::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view user = "1505084218764547200";
const std::string devices_path = "/koodrive/ose/v1/backup/device";

HttpHeaders token_headers(std::string token = "tok") {
  return {{"X-Date", format_x_date(std::chrono::system_clock::now())},
          {"X-User-Id", std::string(user)},
          {"Authorization", "Bearer " + token}};
}

std::vector<std::string> token_sim(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--listen", "127.0.0.1:0", "--token", "tok"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::uint64_t counted(const json::value& counters, std::string_view endpoint, std::string_view outcome) {
  const auto* n = counters.at("by_endpoint").at(endpoint).as_object().if_contains(outcome);
  return n == nullptr ? 0 : n->to_number<std::uint64_t>();
}

TEST(SimProcess, ListsDevicesForACorrectToken) {
  SimProcess sim(token_sim({"--devices", "3", "--scopes-per-module", "1"}));
  EXPECT_EQ(sim.host(), "127.0.0.1");
  EXPECT_GT(sim.port(), 0);
  EXPECT_EQ(sim.base_url(), "http://127.0.0.1:" + std::to_string(sim.port()));

  const auto reply = sim.request("GET", devices_path, token_headers());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/json;charset=UTF-8");
  const auto body = json::parse(reply.body);
  EXPECT_EQ(body.at("code"), 0);
  EXPECT_EQ(body.at("msg"), "success");
  const auto& data = body.at("data").as_array();
  ASSERT_EQ(data.size(), 3u);
  for (const auto& device : data) {
    EXPECT_EQ(device.at("deviceId").as_string().size(), 19u);
    EXPECT_TRUE(device.at("deviceName").is_string());
  }

  const auto wrong = sim.request("GET", devices_path, token_headers("nope"));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(json::parse(wrong.body).at("msg"), "authentication failed: wrong token");
}

TEST(SimProcess, ADeviceAddedThroughTheControlApiIsListed) {
  SimProcess sim(token_sim());
  auto listed = [&] {
    return json::parse(sim.request("GET", devices_path, token_headers()).body).at("data").as_array();
  };
  EXPECT_TRUE(listed().empty());
  const auto added = sim.control("POST", "/_sim/devices",
                                 R"({"machineCode":"20250911","deviceName":"Magic v3","deviceOS":"android"})");
  ASSERT_EQ(added.status, 200) << added.body;
  const std::string id(json::parse(added.body).at("deviceId").as_string());
  const auto now_listed = listed();
  ASSERT_EQ(now_listed.size(), 1u);
  EXPECT_EQ(now_listed[0].at("deviceId").as_string(), id);

  const auto scope = sim.control("POST", "/_sim/devices/" + id + "/scopes",
                                 R"({"moduleCode":"101","localPath":"/DCIM/Camera","targetFolderPath":"/b"})");
  ASSERT_EQ(scope.status, 200) << scope.body;
  const auto scopes = sim.request("GET", devices_path + "/" + id + "/scope?moduleCode=101", token_headers());
  ASSERT_EQ(scopes.status, 200) << scopes.body;
  const auto list = json::parse(scopes.body).at("scopeList").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("moduleCode"), "101");
  EXPECT_EQ(list[0].at("localPath"), "/DCIM/Camera");
}

TEST(SimProcess, AStatusFaultAnswers503OnceThen200AndIsCounted) {
  SimProcess sim(token_sim({"--devices", "1"}));
  const auto rule = sim.control("POST", "/_sim/faults",
                                R"({"kind":"status","status":503,"retry_after":5,"count":1})");
  ASSERT_EQ(rule.status, 200) << rule.body;
  EXPECT_EQ(json::parse(rule.body).at("id"), 1);

  const auto first = sim.request("GET", devices_path, token_headers());
  EXPECT_EQ(first.status, 503);
  EXPECT_EQ(first.header("Retry-After"), "5");
  EXPECT_EQ(json::parse(first.body), json::parse(R"({"code":13000201,"msg":"inner server invoke failure"})"));
  EXPECT_EQ(sim.request("GET", devices_path, token_headers()).status, 200);

  ASSERT_TRUE(wait_until([&] { return sim.counters().at("in_flight") == 0; }, 5s));
  const auto counters = sim.counters();
  EXPECT_EQ(counters.at("total"), 2);
  EXPECT_EQ(counters.at("peak_in_flight"), 1);
  EXPECT_EQ(counted(counters, "devices", "503"), 1u);
  EXPECT_EQ(counted(counters, "devices", "200"), 1u);

  EXPECT_EQ(sim.control("POST", "/_sim/counters/reset").status, 200);
  EXPECT_EQ(sim.counters().at("total"), 0);
}

TEST(SimProcess, AcceptsAnAppSignatureOverTheHostAsSent) {
  const std::string app_id(64, 'a');
  SimProcess sim({"--listen", "127.0.0.1:0", "--app-id", app_id, "--app-secret", "s3cret",
                  "--devices", "1", "--scopes-per-module", "2"});
  const auto devices = json::parse(sim.control("GET", "/_sim/state").body)
                           .at("users").at(0).at("devices");
  const std::string device_id(devices.at(0).at("deviceId").as_string());
  const std::string path = devices_path + "/" + device_id + "/scope";
  auto signed_headers = [&](std::string host, std::string secret) {
    const std::string x_date = format_x_date(std::chrono::system_clock::now());
    const api::RequestToSign request{"GET", path, {{"moduleCode", "100"}}, host, x_date,
                                     std::string(user), ""};
    return HttpHeaders{{"Host", host}, {"X-Date", x_date}, {"X-User-Id", std::string(user)},
                       {"Authorization", api::sign(request, app_id, secret)}};
  };
  const auto ok = sim.request("GET", path + "?moduleCode=100", signed_headers(sim.host_header(), "s3cret"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body).at("scopeList").as_array().size(), 2u);

  const auto bad_secret = sim.request("GET", path + "?moduleCode=100", signed_headers(sim.host_header(), "other"));
  EXPECT_EQ(bad_secret.status, 400);
  EXPECT_EQ(json::parse(bad_secret.body).at("msg"), "authentication failed: signature mismatch");
  // Signed without the port, sent with it: the Host as sent is what counts.
  const auto no_port = signed_headers(sim.host(), "s3cret");
  HttpHeaders sent = no_port;
  sent[0].second = sim.host_header();
  EXPECT_EQ(sim.request("GET", path + "?moduleCode=100", sent).status, 400);
}

TEST(SimProcess, BrokenAnswersFailTheClient) {
  SimProcess sim(token_sim({"--devices", "50"}));
  auto fault = [&](std::string rule) { ASSERT_EQ(sim.control("POST", "/_sim/faults", rule).status, 200); };

  fault(R"({"kind":"truncated","count":1})");
  EXPECT_THROW(sim.request("GET", devices_path, token_headers()), std::runtime_error);
  fault(R"({"kind":"drop","count":1})");
  EXPECT_THROW(sim.request("GET", devices_path, token_headers()), std::runtime_error);
  fault(R"({"kind":"malformed","count":1})");
  const auto malformed = sim.request("GET", devices_path, token_headers());
  EXPECT_EQ(malformed.status, 200);
  boost::system::error_code ec;
  json::parse(malformed.body, ec);
  EXPECT_TRUE(ec);

  fault(R"({"kind":"hang","count":1})");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(sim.request("GET", devices_path, token_headers(), {}, 300ms), std::runtime_error);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  // The client gave up and closed; the simulator notices and the request leaves flight.
  EXPECT_TRUE(wait_until([&] { return sim.counters().at("in_flight") == 0; }, 5s));

  EXPECT_EQ(sim.request("GET", devices_path, token_headers()).status, 200);
  const auto counters = sim.counters();
  for (auto outcome : {"truncated", "drop", "hang"}) EXPECT_EQ(counted(counters, "devices", outcome), 1u) << outcome;
}

TEST(SimProcess, LatencyIsATimerAndRequestsOverlap) {
  SimProcess sim(token_sim({"--devices", "2", "--latency", "200ms"}));
  constexpr int clients = 16;
  std::atomic<int> ok{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&] {
      if (sim.request("GET", devices_path, token_headers()).status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ok, clients);
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 200ms * clients / 2) << "the 200 ms waits ran one after another";
  const auto counters = sim.counters();
  EXPECT_GE(counters.at("peak_in_flight").to_number<int>(), clients / 2);
  EXPECT_EQ(counters.at("total"), clients);
}

TEST(SimProcess, ServesFromSeveralThreads) {
  SimProcess sim(token_sim({"--devices", "20", "--threads", "3", "--latency", "5ms"}));
  constexpr int clients = 8, rounds = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      for (int r = 0; r < rounds; ++r) {
        if (i == 0 && r % 2 == 0) {  // the state changes while others read it
          sim.control("POST", "/_sim/devices", R"({"machineCode":"m","deviceName":"n","deviceOS":"o"})");
          continue;
        }
        if (sim.request("GET", devices_path, token_headers()).status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, clients * rounds - rounds / 2);
  ASSERT_TRUE(wait_until([&] { return sim.counters().at("in_flight") == 0; }, 5s));
  EXPECT_EQ(sim.counters().at("total"), clients * rounds - rounds / 2);
  const auto listed = json::parse(sim.request("GET", devices_path, token_headers()).body);
  EXPECT_EQ(listed.at("data").as_array().size(), 20u + rounds / 2);
}

TEST(SimProcess, StopsOnSigtermEvenWithARequestHanging) {
  SimProcess sim(token_sim());
  ASSERT_EQ(sim.control("POST", "/_sim/faults", R"({"kind":"hang"})").status, 200);
  std::thread client([&] {
    EXPECT_THROW(sim.request("GET", devices_path, token_headers(), {}, 10s), std::runtime_error);
  });
  ASSERT_TRUE(wait_until([&] { return sim.counters().at("in_flight") == 1; }, 5s));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sim.stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  client.join();
}

TEST(SimProcess, RefusesToListenBeyondLoopback) {
  try {
    SimProcess sim({"--listen", "0.0.0.0:0", "--token", "tok"});
    FAIL() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("exited before listening (exit code 1)"), std::string::npos)
        << e.what();
  }
}

TEST(SimProcess, ServesHttpsWithATestCa) {
  const auto certificates = make_test_certificates(::testing::TempDir());
  SimProcess::Options options;
  options.tls_ca_file = certificates.ca_file;
  SimProcess sim(token_sim({"--devices", "1", "--tls-cert", certificates.cert_file, "--tls-key",
                            certificates.key_file}),
                 options);
  EXPECT_TRUE(sim.tls());
  EXPECT_EQ(sim.base_url(), "https://127.0.0.1:" + std::to_string(sim.port()));
  const auto reply = sim.request("GET", devices_path, token_headers());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json::parse(reply.body).at("data").as_array().size(), 1u);
  EXPECT_EQ(sim.control("GET", "/_sim/counters").status, 200);

  // A client that does not trust the test CA is refused.
  HttpPeer untrusted = sim.peer();
  untrusted.tls_ca_file = certificates.cert_file;  // a leaf, not the CA
  EXPECT_THROW(http_exchange(untrusted, "GET", devices_path, token_headers()), std::runtime_error);
  // Plain HTTP to the TLS port gets no HTTP answer.
  HttpPeer plain = sim.peer();
  plain.tls_ca_file.clear();
  EXPECT_THROW(http_exchange(plain, "GET", devices_path, token_headers(), {}, 2s), std::runtime_error);
}

}  // namespace
}  // namespace kda::test
