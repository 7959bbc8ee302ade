#include "sim/options.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace kda::sim {
namespace {

using namespace std::chrono_literals;

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "accepted";
}

std::string temp_file(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << contents;
  return path;
}

TEST(SimOptions, ListensOnLoopbackOnly) {
  EXPECT_EQ(parse_listen("127.0.0.1:0").port(), 0);
  EXPECT_EQ(parse_listen("localhost:8080").address().to_string(), "127.0.0.1");
  EXPECT_EQ(parse_listen("[::1]:9").address().to_string(), "::1");
  EXPECT_EQ(parse_listen("127.0.0.2:1").address().to_string(), "127.0.0.2");
  EXPECT_EQ(error_of([] { parse_listen("0.0.0.0:80"); }),
            "--listen 0.0.0.0:80: only loopback addresses are accepted");
  EXPECT_EQ(error_of([] { parse_listen("192.168.1.2:80"); }),
            "--listen 192.168.1.2:80: only loopback addresses are accepted");
  EXPECT_EQ(error_of([] { parse_listen("example.com:80"); }),
            "--listen example.com:80: not an IP address (or localhost)");
  EXPECT_EQ(error_of([] { parse_listen("127.0.0.1"); }), "--listen 127.0.0.1: expected HOST:PORT");
  EXPECT_EQ(error_of([] { parse_listen("127.0.0.1:70000"); }), "--listen 127.0.0.1:70000: bad port");
}

TEST(SimOptions, ParsesDurations) {
  EXPECT_EQ(parse_duration("0", "--latency"), 0ms);
  EXPECT_EQ(parse_duration("20ms", "--latency"), 20ms);
  EXPECT_EQ(parse_duration("15", "--latency"), 15ms);
  EXPECT_EQ(parse_duration("1s", "--latency"), 1000ms);
  EXPECT_EQ(parse_duration("2m", "--latency"), 120'000ms);
  EXPECT_EQ(error_of([] { parse_duration("1h", "--latency"); }),
            "--latency 1h: unknown unit (ms, s or m)");
  EXPECT_EQ(error_of([] { parse_duration("-5ms", "--latency"); }),
            "--latency -5ms: expected a duration such as 20ms, 1s or 2m");
}

TEST(SimOptions, ParsesSignedClockOffsets) {
  EXPECT_EQ(parse_offset("0", "--clock-offset"), 0ms);
  EXPECT_EQ(parse_offset("-30s", "--clock-offset"), -30'000ms);
  EXPECT_EQ(parse_offset("+2m", "--clock-offset"), 120'000ms);
  EXPECT_EQ(parse_offset("20ms", "--clock-offset"), 20ms);
  for (const char* bad : {"-", "--5s", "-5h", "", "s"}) {
    EXPECT_EQ(error_of([&] { parse_offset(bad, "--clock-offset"); }),
              std::string("--clock-offset ") + bad +
                  ": expected a signed duration such as -30s, 20ms or +2m")
        << bad;
  }
  SimOptions options;
  options.token = "t";
  options.clock_offset = "-30s";
  EXPECT_EQ(prepare(options).config.clock_offset, -30s);
}

TEST(SimOptions, NeedsCredentials) {
  SimOptions options;
  EXPECT_NE(error_of([&] { prepare(options); }).find("no credentials"), std::string::npos);
  options.app_id = "a";
  EXPECT_NE(error_of([&] { prepare(options); }).find("go together"), std::string::npos);
  options.app_secret_file = temp_file("secret", "s3cret\n");
  const auto setup = prepare(options);
  ASSERT_TRUE(setup.config.credentials.app);
  EXPECT_EQ(setup.config.credentials.app->app_secret, "s3cret");
  EXPECT_FALSE(setup.config.credentials.token);

  SimOptions token;
  token.token = "t";
  token.token_format = "Bearer";
  EXPECT_EQ(error_of([&] { prepare(token); }), "--token-format Bearer: must contain {token}");
  token.token_format = "Bearer+{token}";
  EXPECT_EQ(prepare(token).config.credentials.token->format, "Bearer+{token}");
}

TEST(SimOptions, BuildsTheUsers) {
  SimOptions options;
  options.token = "t";
  auto setup = prepare(options);
  EXPECT_TRUE(setup.state.has_user(default_user_id));
  EXPECT_EQ(setup.state.device_count(), 0u);

  options.state_file = temp_file("state.json", R"({"users":[{"user_id":"7","devices":[
      {"deviceId":"5","machineCode":"m","deviceName":"n","deviceOS":"o"}]}]})");
  setup = prepare(options);
  EXPECT_TRUE(setup.state.has_user("7"));
  EXPECT_FALSE(setup.state.has_user(default_user_id));
  EXPECT_EQ(setup.state.device_count(), 1u);

  options.devices = 4;
  options.scopes_per_module = 1;
  setup = prepare(options);
  EXPECT_TRUE(setup.state.has_user(default_user_id));
  EXPECT_EQ(setup.state.device_count(), 5u);
  EXPECT_EQ(setup.state.scope_count(), 12u);

  options.state_file = temp_file("bad.json", R"({"users":[{"user_id":7}]})");
  EXPECT_EQ(error_of([&] { prepare(options); }),
            "--state " + options.state_file + ": users[0].user_id: expected a string");
  options.state_file = ::testing::TempDir() + "/missing.json";
  EXPECT_EQ(error_of([&] { prepare(options); }), "--state " + options.state_file + ": cannot be read");
}

}  // namespace
}  // namespace kda::sim
