// Secrets never leave their files (issue #6, item 5). A demo-sized tenant (3 devices × 3 modules
// × 2 scopes, plus a second account), token auth AND app auth, a webhook sink with a whsec_
// secret and a raw one (from the environment), a credential header and a token in the webhook
// URL's query, a JSONL sink, log level debug. Every command an operator runs — check-config,
// migrate, fetch, poll --once (a baseline, then changes, a failed pair and a failing receiver),
// history, status (both forms), the daemon through a poll, a reload, a poll on demand and
// SIGTERM — and then EVERY output is searched for every secret: stdout, stderr, the daemon's
// log, the JSONL file, the database and its WAL (bytes, while the daemon holds it open), and
// the webhook requests received (target, headers, body). The search is first shown to find
// each secret where it must be.
#include "daemon_process.hpp"
#include "run_command.hpp"
#include "scratch_dir.hpp"
#include "support/sim_process.hpp"
#include "support/wait.hpp"
#include "webhook_receiver.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <map>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* token_account = "1505084218764547200";
constexpr const char* app_account = "1505084218764547201";
constexpr const char* app_id = "leakcheck-app-7d41";

// Distinctive values: no other text of the run can contain them by chance.
const std::string token = "TOKEN-leakcheck-7f3a9c1e5b2d";
const std::string app_secret = "APPSECRET-leakcheck-4e8d2a6c0f1b";
const std::string webhook_key = "WEBHOOKKEY-leakcheck-93ab17";  // the raw bytes of the whsec_ key
const std::string raw_webhook_secret = "RAWWEBHOOK-leakcheck-5c2e";  // a raw secret, from the env
const std::string header_credential = "HEADERCRED-leakcheck-11aa";
const std::string query_token = "QUERYTOKEN-leakcheck-22bb";

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

const std::string webhook_secret_b64 = base64(webhook_key);
const std::string whsec = "whsec_" + webhook_secret_b64;

// What must never appear, by name. The webhook receiver legitimately gets the header credential
// and the query token (that is what they are for), so those two are searched everywhere else.
std::map<std::string, std::string> never_anywhere() {
  return {{"token", token},
          {"app secret", app_secret},
          {"webhook secret (whsec_)", whsec},
          {"webhook secret (base64 part)", webhook_secret_b64},
          {"webhook secret (decoded key bytes)", webhook_key},
          {"webhook secret (raw, from env)", raw_webhook_secret},
          {"token (base64)", base64(token)},
          {"app secret (base64)", base64(app_secret)}};
}
std::map<std::string, std::string> never_outside_the_webhook() {
  auto needles = never_anywhere();
  needles.emplace("webhook header credential", header_credential);
  needles.emplace("webhook URL query token", query_token);
  return needles;
}

// The names of the needles found in `haystack`.
std::vector<std::string> leaks(const std::string& haystack, const std::map<std::string, std::string>& needles) {
  std::vector<std::string> found;
  for (const auto& [name, needle] : needles) {
    if (haystack.find(needle) != std::string::npos) found.push_back(name);
  }
  return found;
}

class SecretLeak : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("token", token + "\n");
    dir_.write("app-secret", app_secret + "\n");
    dir_.write("webhook-secret", whsec + "\n");
    ::setenv("KDA_LEAK_WEBHOOK_OLD", raw_webhook_secret.c_str(), 1);
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "--listen", "127.0.0.1:0", "--devices", "3", "--scopes-per-module", "2", "--user-id", token_account,
        "--token-file", (dir_ / "token").string(), "--app-id", app_id, "--app-secret-file",
        (dir_ / "app-secret").string()});
    // The second account (app auth): one device with one scope.
    sim_ok("POST", "/_sim/users", std::string(R"({"user_id":")") + app_account + "\"}");
    const auto device = boost::json::parse(
        sim_ok("POST", "/_sim/devices",
               std::string(R"({"user_id":")") + app_account +
                   R"(","machineCode":"m9","deviceName":"Finance PC","deviceOS":"windows"})"));
    app_device_ = std::string(device.at("deviceId").as_string());
    sim_ok("POST", "/_sim/devices/" + app_device_ + "/scopes",
           R"({"moduleCode":"100","localPath":"/Finance","targetFolderPath":"/backup/Finance"})");

    receiver_ = std::make_unique<WebhookReceiver>(std::vector<std::string>{whsec, raw_webhook_secret});
    receiver_->then(500);  // one refused delivery: the error path logs the receiver's answer
    config_ = dir_.write(
        "config.yaml",
        "api:\n  base_url: " + sim_->base_url() +
            "\n  timeout: 2s\n  retry: {attempts: 2, initial_backoff: 10ms}\n"
            "auth: {mode: token, token_file: token}\n"
            "accounts:\n"
            "  - {user_id: \"" + token_account + "\", name: by-token}\n"
            "  - user_id: \"" + app_account + "\"\n"
            "    name: by-app\n"
            "    auth: {mode: app, app_id: \"" + app_id + "\", app_secret_file: app-secret}\n"
            "database: {path: audit.db}\n"
            "poll: {interval: 1h, jitter: 0%}\n"
            "metrics: {listen: \"127.0.0.1:0\"}\n"
            "events:\n  sinks:\n"
            "    - {type: log}\n"
            "    - {type: jsonl, path: events.jsonl}\n"
            "    - type: webhook\n"
            "      name: soc\n"
            "      url: \"" + receiver_->url("/hook?token=" + query_token) + "\"\n"
            "      secrets: [{file: webhook-secret}, {env: KDA_LEAK_WEBHOOK_OLD}]\n"
            "      headers: {Authorization: \"Bearer " + header_credential + "\", X-Tenant: acme}\n"
            "      timeout: 2s\n"
            "      max_backoff: 1s\n"
            "log: {level: debug}\n");
  }
  void TearDown() override { ::unsetenv("KDA_LEAK_WEBHOOK_OLD"); }

  std::string sim_ok(std::string_view method, const std::string& target, std::string_view body = {}) {
    const HttpReply reply = sim_->control(method, target, body);
    EXPECT_EQ(reply.status, 200) << method << " " << target << ": " << reply.body;
    return reply.body;
  }

  // Runs a command and keeps its stdout and stderr for the search.
  CommandResult run(const std::string& label, std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--config", config_.string()});
    CommandResult result = run_cli(args);
    outputs_[label + " stdout"] = result.out;
    outputs_[label + " stderr"] = result.err;
    return result;
  }

  std::string first_device() {
    const auto state = boost::json::parse(sim_ok("GET", "/_sim/state"));
    for (const auto& user : state.at("users").as_array()) {
      if (user.at("user_id").as_string() == token_account) {
        return std::string(user.at("devices").at(0).at("deviceId").as_string());
      }
    }
    return {};
  }

  ScratchDir dir_;
  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<WebhookReceiver> receiver_;
  fs::path config_;
  std::string app_device_;
  std::map<std::string, std::string> outputs_;  // label → bytes
};

TEST_F(SecretLeak, NoSecretAppearsInAnyOutput) {
  // The search finds each secret where it has to be: it would find a leak.
  EXPECT_THAT(leaks(read_bytes(dir_ / "token"), never_anywhere()), ::testing::ElementsAre("token"));
  EXPECT_THAT(leaks(read_bytes(dir_ / "app-secret"), never_anywhere()), ::testing::ElementsAre("app secret"));
  EXPECT_THAT(leaks(read_bytes(dir_ / "webhook-secret"), never_anywhere()),
              ::testing::UnorderedElementsAre("webhook secret (whsec_)", "webhook secret (base64 part)"));
  EXPECT_THAT(leaks(read_bytes(config_), never_outside_the_webhook()),
              ::testing::UnorderedElementsAre("webhook header credential", "webhook URL query token"));
  EXPECT_THAT(leaks(webhook_key + raw_webhook_secret + base64(token) + base64(app_secret), never_anywhere()),
              ::testing::UnorderedElementsAre("webhook secret (decoded key bytes)", "webhook secret (raw, from env)",
                                              "token (base64)", "app secret (base64)"));

  ASSERT_EQ(run("check-config", {"check-config"}).exit_code, 0) << outputs_["check-config stderr"];
  ASSERT_EQ(run("migrate", {"migrate"}).exit_code, 0) << outputs_["migrate stderr"];
  ASSERT_EQ(run("fetch (token)", {"fetch", "--account", "by-token"}).exit_code, 0) << outputs_["fetch (token) stderr"];
  ASSERT_EQ(run("fetch (app)", {"fetch", "--account", "by-app"}).exit_code, 0) << outputs_["fetch (app) stderr"];
  ASSERT_EQ(run("poll 1 (baseline)", {"poll", "--once"}).exit_code, 0) << outputs_["poll 1 (baseline) stderr"];

  // Changes in both accounts, one pair failing, and the receiver refusing once.
  const std::string device = first_device();
  ASSERT_FALSE(device.empty());
  sim_ok("POST", "/_sim/devices/" + device + "/scopes",
         R"({"moduleCode":"102","localPath":"/contacts-new","targetFolderPath":"/backup/contacts-new"})");
  sim_ok("PATCH", "/_sim/devices/" + device, R"({"deviceName":"Renamed phone"})");
  sim_ok("POST", "/_sim/devices/" + app_device_ + "/scopes",
         R"({"moduleCode":"101","localPath":"/DCIM/Finance","targetFolderPath":"/backup/DCIM"})");
  sim_ok("POST", "/_sim/faults", std::string(R"({"kind":"status","status":503,"endpoint":"scopes","device_id":")") +
                                     device + R"(","module_code":100})");
  EXPECT_EQ(run("poll 2 (changes, a failed pair)", {"poll", "--once"}).exit_code, 2)
      << outputs_["poll 2 (changes, a failed pair) stderr"];
  sim_ok("DELETE", "/_sim/faults");
  ASSERT_EQ(run("poll --dry-run", {"poll", "--once", "--dry-run"}).exit_code, 0);

  ASSERT_EQ(run("history", {"history"}).exit_code, 0);
  ASSERT_EQ(run("history --json", {"history", "--json"}).exit_code, 0);
  EXPECT_THAT(outputs_["history --json stdout"], HasSubstr("/contacts-new"));
  run("status", {"status"});
  run("status --json", {"status", "--json"});
  EXPECT_THAT(outputs_["status --json stdout"], HasSubstr("sinks"));

  // The daemon: a poll at start (with a change to find), a reload, a poll on demand, SIGTERM.
  sim_ok("DELETE", "/_sim/devices/" + device);
  receiver_->then(503);  // the daemon's retry path: sink.failing, sink.retry, sink.recovered
  DaemonProcess daemon({"daemon", "--config", config_.string()}, dir_ / "daemon.log",
                       {{"KDA_LEAK_WEBHOOK_OLD", raw_webhook_secret}});
  ASSERT_TRUE(daemon.wait_for("poll.finished", 20s, 2)) << daemon.log();
  // Every event the webhook takes (all types) accepted by the receiver, the refused one included.
  const auto all_delivered = [&] {
    SQLite::Database db((dir_ / "audit.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement query(db, "SELECT event_id FROM events");
    const std::vector<std::string> accepted = receiver_->accepted_ids();
    std::size_t events = 0;
    while (query.executeStep()) {
      ++events;
      if (std::find(accepted.begin(), accepted.end(), query.getColumn(0).getString()) == accepted.end()) return false;
    }
    return events > 0;
  };
  ASSERT_TRUE(wait_until(all_delivered, 20s, 20ms)) << daemon.log();
  outputs_["database WAL (daemon running)"] = read_bytes(dir_ / "audit.db-wal");
  EXPECT_GT(outputs_["database WAL (daemon running)"].size(), 0u);
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for("reload.applied", 10s)) << daemon.log();
  daemon.signal(SIGUSR1);
  ASSERT_TRUE(daemon.wait_for("poll.finished", 20s, 4)) << daemon.log();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(15s), 0) << daemon.log();
  outputs_["daemon log (stdout + stderr)"] = daemon.log();
  outputs_["JSONL file"] = read_bytes(dir_ / "events.jsonl");
  outputs_["database file"] = read_bytes(dir_ / "audit.db");
  outputs_["database WAL (after stop)"] = read_bytes(dir_ / "audit.db-wal");

  // The run did what it should, so the search below covered real output.
  EXPECT_THAT(outputs_["daemon log (stdout + stderr)"], HasSubstr("debug "));
  EXPECT_THAT(outputs_["daemon log (stdout + stderr)"], HasSubstr("device.removed"));
  EXPECT_THAT(outputs_["daemon log (stdout + stderr)"], HasSubstr("sink.failing sink=soc"));
  EXPECT_THAT(outputs_["daemon log (stdout + stderr)"], HasSubstr("sink.recovered sink=soc"));
  EXPECT_THAT(outputs_["JSONL file"], HasSubstr("device.removed"));
  EXPECT_THAT(outputs_["poll 2 (changes, a failed pair) stderr"], HasSubstr("HTTP 503"));
  EXPECT_THAT(outputs_["poll 2 (changes, a failed pair) stderr"], HasSubstr("HTTP 500"));
  EXPECT_THAT(outputs_["check-config stdout"], HasSubstr("\"***\""));
  EXPECT_GT(outputs_["database file"].size(), 0u);

  for (const auto& [label, bytes] : outputs_) {
    EXPECT_THAT(leaks(bytes, never_outside_the_webhook()), IsEmpty()) << "in " << label;
  }

  // The receiver: every request verified (so signed with the secrets), none carrying a secret.
  const std::vector<ReceivedWebhook> received = receiver_->received();
  ASSERT_GE(received.size(), 2u);
  bool saw_credential = false;
  for (const ReceivedWebhook& request : received) {
    EXPECT_TRUE(request.verified) << request.id;
    std::string all = request.target + "\n" + request.body;
    for (const auto& [name, value] : request.headers) all += "\n" + name + ": " + value;
    EXPECT_THAT(leaks(all, never_anywhere()), IsEmpty()) << "in the webhook request for " << request.id;
    // Where the header credential and the query token are meant to go (the search finds them).
    EXPECT_THAT(leaks(all, never_outside_the_webhook()),
                ::testing::UnorderedElementsAre("webhook header credential", "webhook URL query token"));
    saw_credential = true;
  }
  EXPECT_TRUE(saw_credential);
}

}  // namespace
}  // namespace kda::test
