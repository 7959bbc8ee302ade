// TLS cannot be turned off for a host that is not loopback: no config key does it (an unknown
// key is an error, exit 78), http:// is accepted only to loopback for the API and for every sink,
// and a server whose certificate is not trusted is refused — also on 127.0.0.1, and also when
// the only thing missing is the trust (no fallback, nothing reaches the API).
// The client-level proofs are in tests/integration/api/client_sim_test.cpp
// (ClientAgainstSimOverTls: another CA, another host name, https to a plain server) and
// tests/unit/api/transport_test.cpp (plain HTTP beyond loopback refused).
#include "run_command.hpp"
#include "scratch_dir.hpp"
#include "support/sim_process.hpp"
#include "support/test_ca.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kda::test {
namespace {

using ::testing::HasSubstr;

constexpr const char* token = "tls-policy-test-token-9001";

std::string accounts_and_auth() {
  return "auth: {mode: token, token_file: token}\n"
         "accounts: [{user_id: \"1505084218764547200\"}]\n"
         "database: {path: audit.db}\n";
}

TEST(TlsPolicy, NoConfigKeySkipsVerification) {
  ScratchDir dir;
  dir.write("token", token);
  for (const std::string key : {"tls_verify: false", "insecure: true", "verify: false", "verify_peer: false"}) {
    const auto config = dir.write("config.yaml", "api:\n  base_url: https://intl.myhuaweicloud-koodrive.com\n  " +
                                                     key + "\n" + accounts_and_auth());
    for (const char* command : {"check-config", "daemon", "poll"}) {
      std::vector<std::string> args{command, "--config", config.string()};
      if (std::string(command) == "poll") args.push_back("--once");
      const CommandResult result = run_cli(args);
      EXPECT_EQ(result.exit_code, 78) << command << " with " << key << ": " << result.err;
      EXPECT_THAT(result.err, HasSubstr(config.string() + ":3:3: api." + key.substr(0, key.find(':')) +
                                        ": unknown key"))
          << command;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "audit.db"));  // refused before anything was opened
}

TEST(TlsPolicy, PlainHttpIsRefusedForEveryHostButLoopback) {
  ScratchDir dir;
  dir.write("token", token);
  dir.write("whsec", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const struct {
    std::string yaml;
    std::string error;
  } cases[] = {
      {"api: {base_url: \"http://intl.myhuaweicloud-koodrive.com\"}\n",
       ":1:17: api.base_url: http:// is allowed only for loopback"},
      {"api: {base_url: \"http://10.1.2.3:8080\"}\n", ":1:17: api.base_url: http:// is allowed only for loopback"},
      {"api: {base_url: \"https://intl.myhuaweicloud-koodrive.com\"}\n"
       "events: {sinks: [{type: webhook, url: \"http://hooks.example/k\", secret_file: whsec}]}\n",
       ":2:39: events.sinks[0].url: http:// is allowed only for loopback"},
      {"api: {base_url: \"https://intl.myhuaweicloud-koodrive.com\"}\n"
       "events: {sinks: [{type: alertmanager, urls: [\"http://am.example:9093\"]}]}\n",
       ":2:46: events.sinks[0].urls[0]: http:// is allowed only for loopback"},
  };
  for (const auto& c : cases) {
    const auto config = dir.write("config.yaml", c.yaml + accounts_and_auth());
    const CommandResult result = run_cli({"check-config", "--config", config.string()});
    EXPECT_EQ(result.exit_code, 78) << c.yaml;
    EXPECT_THAT(result.err, HasSubstr(config.string() + c.error)) << c.yaml;
    EXPECT_EQ(result.out, "");
  }
  // Loopback may use plain HTTP (the simulator, a local Alertmanager).
  const auto config = dir.write(
      "config.yaml", "api: {base_url: \"http://127.0.0.1:8080\"}\n"
                     "events: {sinks: [{type: webhook, url: \"http://[::1]:9000/k\", secret_file: whsec},"
                     " {type: alertmanager, url: \"http://localhost:9093\"}]}\n" +
                         accounts_and_auth());
  const CommandResult result = run_cli({"check-config", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(TlsPolicy, AnUntrustedCertificateOnLoopbackIsRefusedByAPoll) {
  ScratchDir dir;
  dir.write("token", token);
  const TestCertificates certs = make_test_certificates(dir.path().string());
  SimProcess sim({"--listen", "127.0.0.1:0", "--devices", "1", "--token", token, "--tls-cert", certs.cert_file,
                  "--tls-key", certs.key_file},
                 SimProcess::Options{.tls_ca_file = certs.ca_file});
  ASSERT_TRUE(sim.tls());
  const std::string api = "api: {base_url: \"" + sim.base_url() + "\", timeout: 2s, retry: {attempts: 2, "
                          "initial_backoff: 10ms}";
  // The system trust store does not know the test CA.
  auto config = dir.write("config.yaml", api + "}\n" + accounts_and_auth());
  CommandResult result = run_cli({"poll", "--once", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("certificate verify failed"));
  {
    SQLite::Database db((dir / "audit.db").string());
    EXPECT_EQ(db.execAndGet("SELECT outcome FROM polls").getString(), "failed");
    EXPECT_THAT(db.execAndGet("SELECT error FROM polls").getString(),
                HasSubstr("GET /koodrive/ose/v1/backup/device: connection failed: TLS handshake with 127.0.0.1:"));
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM devices").getInt(), 0);
  }
  // Not one request reached the API: no fallback to plain HTTP, no "retry without verification".
  EXPECT_EQ(sim.counters().at("total").to_number<std::int64_t>(), 0);

  // A CA that did not sign the server's certificate is no better.
  const std::string other_dir = (dir / "other").string();
  std::filesystem::create_directories(other_dir);
  const TestCertificates other = make_test_certificates(other_dir);
  config = dir.write("config.yaml", api + ", ca_file: \"" + other.ca_file + "\"}\n" + accounts_and_auth());
  result = run_cli({"poll", "--once", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("certificate verify failed"));
  EXPECT_EQ(sim.counters().at("total").to_number<std::int64_t>(), 0);

  // Trusting the right CA explicitly is the way in.
  config = dir.write("config.yaml", api + ", ca_file: \"" + certs.ca_file + "\"}\n" + accounts_and_auth());
  result = run_cli({"poll", "--once", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GT(sim.counters().at("total").to_number<std::int64_t>(), 0);
}

}  // namespace
}  // namespace kda::test
