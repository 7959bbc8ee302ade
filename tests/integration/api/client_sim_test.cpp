// The KooDrive client against koodrive-sim on 127.0.0.1: both auth modes, every rejection,
// every fault kind with the simulator's counters proving what was retried, bounded
// concurrency, keep-alive reuse, exact large IDs, and TLS with a throwaway CA.
#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/api.hpp"

#include "support/test_ca.hpp"
#include "support/sim_process.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

namespace kda::api {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using test::SimProcess;

constexpr std::string_view user = "1505084218764547200";
const std::vector<int> all_modules{100, 101, 102};

// Runs `operation` until it completes; throws (failing the test) after `limit`.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> operation, std::chrono::milliseconds limit = 10s) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io, std::move(operation), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result.emplace(std::move(value));
    done = true;
  });
  const auto until = std::chrono::steady_clock::now() + limit;
  io.restart();  // a previous run may have left it stopped (out of work)
  while (!done && std::chrono::steady_clock::now() < until) io.run_one_until(until);
  if (error) std::rethrow_exception(error);
  if (!done) throw std::runtime_error("watchdog: the operation did not finish in time");
  return std::move(*result);
}

std::vector<std::string> sim_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--listen", "127.0.0.1:0", "--app-id", "app-1",
                                "--app-secret", "app-secret-1", "--token", "token-1"};
  if (std::find(extra.begin(), extra.end(), "--devices") == extra.end()) {
    for (const char* arg : {"--devices", "2", "--scopes-per-module", "2"}) args.emplace_back(arg);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

Credentials app_credentials() {
  Credentials credentials;
  credentials.user_id = std::string(user);
  credentials.app_id = "app-1";
  credentials.app_secret = "app-secret-1";
  return credentials;
}

Credentials token_credentials() {
  Credentials credentials;
  credentials.mode = Credentials::Mode::token;
  credentials.user_id = std::string(user);
  credentials.token = "token-1";
  return credentials;
}

ClientOptions options_for(const SimProcess& sim) {
  ClientOptions options;
  options.base_url = sim.base_url();
  options.timeout = 2s;
  options.max_concurrency = 4;
  options.retry = {3, 1ms, 5ms};
  return options;
}

std::uint64_t number(const json::value& value) { return value.to_number<std::uint64_t>(); }

std::uint64_t counted(const SimProcess& sim, std::string_view endpoint, std::string_view outcome) {
  const auto counters = sim.counters();
  const auto* n = counters.at("by_endpoint").at(endpoint).as_object().if_contains(outcome);
  return n == nullptr ? 0 : number(*n);
}

void add_fault(const SimProcess& sim, const std::string& rule) {
  const auto reply = sim.control("POST", "/_sim/faults", rule);
  ASSERT_EQ(reply.status, 200) << rule << ": " << reply.body;
}

struct Fixture {
  explicit Fixture(std::vector<std::string> extra = {}, SystemTime start = std::chrono::system_clock::now())
      : sim(sim_args(std::move(extra))), clock(start) {}
  Client client(ClientOptions options) {
    auto created = Client::create(io.get_executor(), std::move(options), clock, [] { return 0.5; });
    if (!created) throw std::runtime_error(created.error().message());
    return *created;
  }
  Client client() { return client(options_for(sim)); }

  SimProcess sim;
  ManualClock clock;
  asio::io_context io;
};

TEST(ClientAgainstSim, AppModeFetchesTheWholeObservation) {
  Fixture f;
  auto client = f.client();
  FetchStats stats;
  const Observation observation = run(f.io, fetch_observation(client, app_credentials(), all_modules, &stats));
  ASSERT_TRUE(observation.device_list_ok()) << std::get<FetchFailure>(observation.devices).reason;
  EXPECT_EQ(observation.account_id, user);
  const auto& devices = std::get<std::vector<Device>>(observation.devices);
  ASSERT_EQ(devices.size(), 2u);
  ASSERT_EQ(observation.scope_fetches.size(), 6u);
  for (std::size_t i = 0; i < observation.scope_fetches.size(); ++i) {
    const auto& fetch = observation.scope_fetches[i];
    EXPECT_EQ(fetch.pair.device_id, devices[i / 3].device_id);
    EXPECT_EQ(fetch.pair.module_code, all_modules[i % 3]);
    ASSERT_TRUE(fetch.ok()) << std::get<FetchFailure>(fetch.result).reason;
    const auto& scopes = std::get<std::vector<Scope>>(fetch.result);
    EXPECT_EQ(scopes.size(), 2u);
    for (const auto& scope : scopes) EXPECT_EQ(scope.module_code, fetch.pair.module_code);
  }
  EXPECT_EQ(stats, (FetchStats{7, 0, 0}));
  EXPECT_EQ(number(f.sim.counters().at("total")), 7u);
  EXPECT_EQ(fetch_exit_code(observation), 0);
  const auto printed = json::parse(observation_to_json(observation));
  EXPECT_EQ(printed.at("scopes").as_object().size(), 2u);
  EXPECT_TRUE(printed.at("failures").as_array().empty());
}

TEST(ClientAgainstSim, TokenModeIsAccepted) {
  Fixture f;
  auto client = f.client();
  auto devices = run(f.io, client.list_devices(token_credentials()));
  ASSERT_TRUE(devices) << devices.error().message();
  EXPECT_EQ(devices->size(), 2u);
}

TEST(ClientAgainstSim, TokenFormatIsSentAsConfigured) {
  Fixture f({"--token-format", "Bearer+{token}"});
  auto client = f.client();
  auto credentials = token_credentials();
  credentials.token_format = "Bearer+{token}";
  EXPECT_TRUE(run(f.io, client.list_devices(credentials)));
  credentials.token_format = "Bearer {token}";
  auto refused = run(f.io, client.list_devices(credentials));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(errc::auth_rejected));
}

void expect_rejected(Fixture& f, const Credentials& credentials, std::string_view why) {
  SCOPED_TRACE(std::string(why));
  ASSERT_EQ(f.sim.control("POST", "/_sim/counters/reset").status, 200);
  auto client = f.client();
  FetchStats stats;
  auto devices = run(f.io, client.list_devices(credentials, &stats));
  ASSERT_FALSE(devices);
  const Error& error = devices.error();
  EXPECT_EQ(error.code, make_error_code(errc::auth_rejected)) << error.message();
  EXPECT_FALSE(error.transient());
  EXPECT_EQ(error.http_status, 400);
  // Clear: names the request and carries the server's reason.
  EXPECT_NE(error.message().find("GET /koodrive/ose/v1/backup/device"), std::string::npos) << error.message();
  EXPECT_NE(error.message().find("authentication failed"), std::string::npos) << error.message();
  EXPECT_EQ(error.message().find(credentials.app_secret.empty() ? "\x01" : credentials.app_secret),
            std::string::npos);
  // Not retried.
  EXPECT_EQ(stats, (FetchStats{1, 0, 1}));
  EXPECT_EQ(counted(f.sim, "devices", "400"), 1u);
  EXPECT_EQ(number(f.sim.counters().at("total")), 1u);
}

TEST(ClientAgainstSim, BadCredentialsAndDatesAreRejectedNotRetried) {
  Fixture f;
  auto wrong_secret = app_credentials();
  wrong_secret.app_secret = "not-the-secret";
  expect_rejected(f, wrong_secret, "wrong app secret");
  auto wrong_app = app_credentials();
  wrong_app.app_id = "app-2";
  expect_rejected(f, wrong_app, "unknown app id");
  auto wrong_token = token_credentials();
  wrong_token.token = "token-2";
  expect_rejected(f, wrong_token, "wrong token");
  auto unknown_user = app_credentials();
  unknown_user.user_id = "1505084218764547201";
  expect_rejected(f, unknown_user, "unknown user");

  f.clock.set(std::chrono::system_clock::now() - 16min);
  expect_rejected(f, app_credentials(), "X-Date 16 minutes old");
  f.clock.set(std::chrono::system_clock::now() + 1min);
  expect_rejected(f, app_credentials(), "X-Date 1 minute ahead");
  f.clock.set(std::chrono::system_clock::now() - 14min);
  auto client = f.client();
  EXPECT_TRUE(run(f.io, client.list_devices(app_credentials())));  // inside the window
}

struct FaultCase {
  std::string rule;
  errc expected;
  bool transient;
  std::string outcome;  // the simulator's by_endpoint outcome
};

TEST(ClientAgainstSim, EveryFaultGivesTheRightErrorAndRetriesOnlyTransientOnes) {
  Fixture f;
  const std::vector<FaultCase> cases{
      {R"({"kind":"status","status":500,"count":10})", errc::http_status, true, "500"},
      {R"({"kind":"status","status":503,"count":10})", errc::http_status, true, "503"},
      {R"({"kind":"status","status":429,"count":10})", errc::http_status, true, "429"},
      {R"({"kind":"api_code","code":13000201,"count":10})", errc::api_error, true, "200"},
      {R"({"kind":"api_code","code":13000102,"http_status":400,"count":10})", errc::api_error, false, "400"},
      {R"({"kind":"api_code","code":13000102,"count":10})", errc::api_error, false, "200"},
      {R"({"kind":"malformed","count":10})", errc::malformed_response, true, "200"},
      {R"({"kind":"wrong_type","count":10})", errc::malformed_response, true, "200"},
      {R"({"kind":"truncated","count":10})", errc::connection_failed, true, "truncated"},
      {R"({"kind":"drop","count":10})", errc::connection_failed, true, "drop"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    ASSERT_EQ(f.sim.control("DELETE", "/_sim/faults").status, 200);
    ASSERT_EQ(f.sim.control("POST", "/_sim/counters/reset").status, 200);
    add_fault(f.sim, c.rule);
    auto client = f.client();
    FetchStats stats;
    auto devices = run(f.io, client.list_devices(app_credentials(), &stats));
    ASSERT_FALSE(devices);
    EXPECT_EQ(devices.error().code, make_error_code(c.expected)) << devices.error().message();
    EXPECT_EQ(devices.error().transient(), c.transient) << devices.error().message();
    EXPECT_NE(devices.error().message().find("GET /koodrive/ose/v1/backup/device"), std::string::npos);
    const std::uint64_t attempts = c.transient ? 3u : 1u;
    EXPECT_EQ(stats, (FetchStats{attempts, attempts - 1, 1}));
    EXPECT_EQ(counted(f.sim, "devices", c.outcome), attempts) << json::serialize(f.sim.counters());
    EXPECT_EQ(number(f.sim.counters().at("total")), attempts);
  }
}

TEST(ClientAgainstSim, AHangOrSlowAnswerTimesOutWithinTheDeadline) {
  Fixture f;
  auto options = options_for(f.sim);
  options.timeout = 200ms;
  options.retry.attempts = 2;
  for (const std::string rule : {R"({"kind":"hang","count":10})", R"({"kind":"latency","ms":1500,"count":10})"}) {
    SCOPED_TRACE(rule);
    ASSERT_EQ(f.sim.control("DELETE", "/_sim/faults").status, 200);
    ASSERT_EQ(f.sim.control("POST", "/_sim/counters/reset").status, 200);
    add_fault(f.sim, rule);
    auto client = f.client(options);
    FetchStats stats;
    const auto start = std::chrono::steady_clock::now();
    auto devices = run(f.io, client.list_devices(app_credentials(), &stats));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(devices);
    EXPECT_EQ(devices.error().code, make_error_code(errc::timeout)) << devices.error().message();
    EXPECT_EQ(stats, (FetchStats{2, 1, 1}));
    EXPECT_EQ(number(f.sim.counters().at("total")), 2u);
    EXPECT_GE(elapsed, 400ms);
    EXPECT_LT(elapsed, 1500ms);
  }
}

TEST(ClientAgainstSim, TransientFailuresThenSuccess) {
  Fixture f;
  add_fault(f.sim, R"({"kind":"status","status":503,"count":2,"endpoint":"devices"})");
  auto client = f.client();
  FetchStats stats;
  auto devices = run(f.io, client.list_devices(app_credentials(), &stats));
  ASSERT_TRUE(devices) << devices.error().message();
  EXPECT_EQ(stats, (FetchStats{3, 2, 0}));
  EXPECT_EQ(counted(f.sim, "devices", "503"), 2u);
  EXPECT_EQ(counted(f.sim, "devices", "200"), 1u);
}

TEST(ClientAgainstSim, TheObserverSeesEveryRequestSentWithItsEndpointAndStatus) {
  Fixture f;
  add_fault(f.sim, R"({"kind":"status","status":503,"count":1,"endpoint":"devices"})");
  add_fault(f.sim, R"({"kind":"truncated","count":1,"endpoint":"scopes"})");
  std::vector<std::pair<std::string, std::string>> seen;
  auto options = options_for(f.sim);
  options.observer = [&seen](const RequestRecord& record) {
    EXPECT_GE(record.duration, std::chrono::nanoseconds(0));
    seen.emplace_back(record.endpoint, record.status);
  };
  auto client = f.client(options);
  FetchStats stats;
  const Observation observation =
      run(f.io, fetch_observation(client, app_credentials(), {100}, &stats));
  ASSERT_TRUE(observation.device_list_ok());
  // One record per request sent, retries included: 503 then 200 for the list; an answer cut
  // short (a connection failure) then 200 for the first pair; 200 for the second.
  ASSERT_EQ(seen.size(), stats.requests);
  std::multiset<std::pair<std::string, std::string>> counted_records(seen.begin(), seen.end());
  EXPECT_EQ(counted_records, (std::multiset<std::pair<std::string, std::string>>{
                                 {"device_list", "503"},
                                 {"device_list", "200"},
                                 {"scope_list", "connect"},
                                 {"scope_list", "200"},
                                 {"scope_list", "200"}}));
}

TEST(ClientAgainstSim, RetryAfterIsHonoured) {
  Fixture f;
  add_fault(f.sim, R"({"kind":"status","status":429,"retry_after":1,"count":1,"endpoint":"devices"})");
  auto client = f.client();  // max_backoff 5 ms: only Retry-After makes it wait
  FetchStats stats;
  const auto start = std::chrono::steady_clock::now();
  auto devices = run(f.io, client.list_devices(app_credentials(), &stats));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(devices) << devices.error().message();
  EXPECT_GE(elapsed, 1s);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(stats, (FetchStats{2, 1, 0}));
  EXPECT_EQ(counted(f.sim, "devices", "429"), 1u);
}

TEST(ClientAgainstSim, AFailedDeviceListFailsTheObservation) {
  Fixture f;
  add_fault(f.sim, R"({"kind":"status","status":503,"count":10,"endpoint":"devices"})");
  auto client = f.client();
  FetchStats stats;
  const Observation observation = run(f.io, fetch_observation(client, app_credentials(), all_modules, &stats));
  ASSERT_FALSE(observation.device_list_ok());
  EXPECT_TRUE(observation.scope_fetches.empty());
  const auto& failure = std::get<FetchFailure>(observation.devices);
  EXPECT_EQ(failure.http_status, 503);
  EXPECT_TRUE(failure.transient);
  EXPECT_NE(failure.reason.find("GET /koodrive/ose/v1/backup/device: HTTP 503"), std::string::npos) << failure.reason;
  EXPECT_EQ(stats, (FetchStats{3, 2, 1}));
  EXPECT_EQ(fetch_exit_code(observation), 1);
  EXPECT_FALSE(json::parse(observation_to_json(observation)).at("device_list_error").is_null());
}

TEST(ClientAgainstSim, OneFailingPairDoesNotStopTheOthers) {
  Fixture f;
  auto client = f.client();
  const auto devices = run(f.io, client.list_devices(app_credentials()));
  ASSERT_TRUE(devices);
  const std::string victim = devices->at(1).device_id;
  add_fault(f.sim, R"({"kind":"api_code","code":13000102,"http_status":400,"count":10,"endpoint":"scopes","device_id":")" +
                       victim + R"(","module_code":101})");
  FetchStats stats;
  const Observation observation = run(f.io, fetch_observation(client, app_credentials(), all_modules, &stats));
  ASSERT_EQ(observation.scope_fetches.size(), 6u);
  int failed = 0;
  for (const auto& fetch : observation.scope_fetches) {
    if (fetch.pair.device_id == victim && fetch.pair.module_code == 101) {
      ASSERT_FALSE(fetch.ok());
      const auto& failure = std::get<FetchFailure>(fetch.result);
      EXPECT_EQ(failure.api_code, api_code_bad_parameter);
      EXPECT_FALSE(failure.transient);
      EXPECT_NE(failure.reason.find("/device/" + victim + "/scope?moduleCode=101"), std::string::npos) << failure.reason;
      ++failed;
    } else {
      EXPECT_TRUE(fetch.ok()) << std::get<FetchFailure>(fetch.result).reason;
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(stats, (FetchStats{7, 0, 1}));
  EXPECT_EQ(fetch_exit_code(observation), 2);
}

TEST(ClientAgainstSim, NoMoreThanMaxConcurrencyInFlightOverFewConnections) {
  Fixture f({"--devices", "50", "--scopes-per-module", "1", "--latency", "20ms"});
  auto client = f.client();
  FetchStats stats;
  const Observation observation = run(f.io, fetch_observation(client, app_credentials(), {100}, &stats));
  ASSERT_TRUE(observation.device_list_ok());
  ASSERT_EQ(observation.scope_fetches.size(), 50u);
  for (const auto& fetch : observation.scope_fetches) {
    EXPECT_TRUE(fetch.ok()) << std::get<FetchFailure>(fetch.result).reason;
  }
  const auto counters = f.sim.counters();
  EXPECT_LE(number(counters.at("peak_in_flight")), 4u);
  EXPECT_GT(number(counters.at("peak_in_flight")), 1u);
  EXPECT_EQ(number(counters.at("total")), 51u);
  EXPECT_EQ(stats.requests, 51u);
  // Keep-alive: 51 requests over at most max_concurrency connections.
  EXPECT_LE(client.connections_opened(), 4u);
}

TEST(ClientAgainstSim, SeventeenAndNineteenDigitIdsSurviveExactly) {
  Fixture f;
  const std::string id17 = "12345678901234567";
  const std::string id19 = "9223372036854775809";  // > 2^63 too
  for (const auto& id : {id17, id19}) {
    const auto reply = f.sim.control("POST", "/_sim/devices",
                                     R"({"deviceId":")" + id + R"(","machineCode":"m)" + id.substr(0, 4) +
                                         R"(","deviceName":"n","deviceOS":"android"})");
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  const std::string scope19 = "1842846715527366529";
  ASSERT_EQ(f.sim.control("POST", "/_sim/devices/" + id17 + "/scopes",
                          R"({"moduleCode":"100","localPath":"/a","targetFolderPath":"/b","scopeId":")" + scope19 + R"("})")
                .status,
            200);
  auto client = f.client();
  const Observation observation = run(f.io, fetch_observation(client, app_credentials(), {100}));
  ASSERT_TRUE(observation.device_list_ok());
  std::set<std::string> ids;
  for (const auto& device : std::get<std::vector<Device>>(observation.devices)) ids.insert(device.device_id);
  EXPECT_TRUE(ids.count(id17));
  EXPECT_TRUE(ids.count(id19));
  bool found = false;
  for (const auto& fetch : observation.scope_fetches) {
    if (fetch.pair.device_id != id17) continue;
    ASSERT_TRUE(fetch.ok());
    const auto& scopes = std::get<std::vector<Scope>>(fetch.result);
    ASSERT_EQ(scopes.size(), 1u);
    EXPECT_EQ(scopes[0].scope_id, scope19);
    found = true;
  }
  EXPECT_TRUE(found);
  const auto text = observation_to_json(observation);
  EXPECT_NE(text.find("\"" + id19 + "\""), std::string::npos);
  EXPECT_NE(text.find("\"" + scope19 + "\""), std::string::npos);
}

TEST(ClientAgainstSim, StopEndsAFetchPromptly) {
  Fixture f({"--devices", "8", "--scopes-per-module", "1"});
  add_fault(f.sim, R"({"kind":"hang","count":100,"endpoint":"scopes"})");
  auto options = options_for(f.sim);
  options.timeout = 30s;
  auto client = f.client(options);
  // Stop once a scope request hangs in the simulator, so the device list is in by then (a fixed
  // 200 ms was not always enough for it under ASan on a loaded machine).
  std::optional<std::chrono::steady_clock::time_point> stopped_at;
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(f.io);
        while (counted(f.sim, "scopes", "hang") == 0) {
          timer.expires_after(10ms);
          co_await timer.async_wait(asio::use_awaitable);
        }
        stopped_at = std::chrono::steady_clock::now();
        client.stop();
      },
      asio::detached);
  const Observation observation = run(f.io, fetch_observation(client, app_credentials(), all_modules), 30s);
  ASSERT_TRUE(stopped_at.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - *stopped_at, 2s);
  ASSERT_TRUE(observation.device_list_ok());
  ASSERT_EQ(observation.scope_fetches.size(), 24u);
  for (const auto& fetch : observation.scope_fetches) {
    ASSERT_FALSE(fetch.ok());
    EXPECT_NE(std::get<FetchFailure>(fetch.result).reason.find("cancelled"), std::string::npos);
  }
}

// --- TLS ---------------------------------------------------------------------------------

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kda-client-tls-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

struct TlsFixture {
  TlsFixture() : certificates(test::make_test_certificates(dir.path)) {}
  TempDir dir;
  test::TestCertificates certificates;
};

SimProcess tls_sim(const test::TestCertificates& served, const std::string& trust) {
  SimProcess::Options options;
  options.tls_ca_file = trust;
  return SimProcess(sim_args({"--tls-cert", served.cert_file, "--tls-key", served.key_file}), options);
}

TEST(ClientAgainstSimOverTls, FetchesWhenTheTestCaIsTrusted) {
  TlsFixture tls;
  auto sim = tls_sim(tls.certificates, tls.certificates.ca_file);
  ASSERT_EQ(sim.base_url().rfind("https://127.0.0.1:", 0), 0u) << sim.base_url();
  asio::io_context io;
  ManualClock clock(std::chrono::system_clock::now());
  auto options = options_for(sim);
  options.ca_file = tls.certificates.ca_file;
  auto client = *Client::create(io.get_executor(), options, clock);
  FetchStats stats;
  const Observation observation = run(io, fetch_observation(client, app_credentials(), all_modules, &stats));
  ASSERT_TRUE(observation.device_list_ok()) << std::get<FetchFailure>(observation.devices).reason;
  for (const auto& fetch : observation.scope_fetches) EXPECT_TRUE(fetch.ok());
  EXPECT_EQ(stats, (FetchStats{7, 0, 0}));
  EXPECT_LE(client.connections_opened(), 4u);
}

TEST(ClientAgainstSimOverTls, RefusesAServerSignedByAnotherCa) {
  TlsFixture tls;
  TempDir other_dir;
  const auto other = test::make_test_certificates(other_dir.path);
  auto sim = tls_sim(tls.certificates, tls.certificates.ca_file);
  asio::io_context io;
  ManualClock clock(std::chrono::system_clock::now());
  auto options = options_for(sim);
  options.ca_file = other.ca_file;
  auto client = *Client::create(io.get_executor(), options, clock);
  FetchStats stats;
  auto devices = run(io, client.list_devices(app_credentials(), &stats));
  ASSERT_FALSE(devices);
  EXPECT_EQ(devices.error().code, make_error_code(errc::connection_failed)) << devices.error().message();
  EXPECT_NE(devices.error().message().find("certificate verify failed"), std::string::npos)
      << devices.error().message();
  // Bounded: the configured attempts, no more; nothing reached the API.
  EXPECT_EQ(stats, (FetchStats{3, 2, 1}));
  EXPECT_EQ(number(sim.counters().at("total")), 0u);
}

TEST(ClientAgainstSimOverTls, RefusesACertificateForAnotherName) {
  TlsFixture tls;
  const auto wrong_name = test::make_test_certificates(tls.dir.path, "DNS:other.invalid", "other-");
  auto sim = tls_sim(wrong_name, wrong_name.ca_file);
  asio::io_context io;
  ManualClock clock(std::chrono::system_clock::now());
  auto options = options_for(sim);
  options.ca_file = wrong_name.ca_file;  // the chain is trusted; only the name is wrong
  options.retry.attempts = 1;
  auto client = *Client::create(io.get_executor(), options, clock);
  auto devices = run(io, client.list_devices(app_credentials()));
  ASSERT_FALSE(devices);
  EXPECT_EQ(devices.error().code, make_error_code(errc::connection_failed)) << devices.error().message();
  EXPECT_NE(devices.error().message().find("certificate verify failed"), std::string::npos)
      << devices.error().message();
  // (The simulator's counters are out of reach here: its control API has the same certificate.)
}

TEST(ClientAgainstSimOverTls, NeverFallsBackToPlainHttp) {
  auto sim = SimProcess(sim_args());  // plain HTTP server
  asio::io_context io;
  ManualClock clock(std::chrono::system_clock::now());
  auto options = options_for(sim);
  options.base_url = "https://127.0.0.1:" + std::to_string(sim.port());
  options.timeout = 500ms;
  options.retry.attempts = 1;
  auto client = *Client::create(io.get_executor(), options, clock);
  auto devices = run(io, client.list_devices(app_credentials()));
  ASSERT_FALSE(devices);
  EXPECT_EQ(number(sim.counters().at("total")), 0u);
}

}  // namespace
}  // namespace kda::api
