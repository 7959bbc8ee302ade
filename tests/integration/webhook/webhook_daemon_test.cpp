// The webhook sink end to end: `koodrive-audit daemon` against koodrive-sim, delivering to a
// verifying receiver. The daemon's SinkWorker does the retries; asserted is only what a receiver
// can rely on: every event_id arrives, at least once, in seq order, none skipped, every signature
// verifies (with two secrets configured, a receiver knowing only the second accepts), and a
// receiver that hangs holds up neither polling, nor the other sinks, nor SIGTERM.
#include "daemon_fixture.hpp"
#include "support/wait.hpp"
#include "webhook_receiver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;

constexpr auto deadline = 30s;
constexpr const char* old_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* new_secret = "whsec_cm90YXRpb24ta2V5LW51bWJlci10d28h";

// Consecutive repeats (redeliveries) collapsed: what the receiver saw, once per event.
std::vector<std::string> without_repeats(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const std::string& id : ids) {
    if (out.empty() || out.back() != id) out.push_back(id);
  }
  return out;
}

class WebhookDaemonTest : public DaemonTest {
 protected:
  std::string secret_file(const std::string& name, const std::string& secret) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << secret << "\n";
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path.string();
  }

  // The JSONL sink's ids while the daemon runs; a line caught half written reads as "not yet".
  std::vector<std::string> jsonl_ids() const {
    try {
      return jsonl_event_ids();
    } catch (const std::exception&) {
      return {};
    }
  }

  void add_laptop_scope(const std::string& path) {
    sim_ok("POST", std::string("/_sim/devices/") + laptop + "/scopes",
           R"({"moduleCode":"102","localPath":")" + path + R"(","targetFolderPath":"/backup)" + path +
               R"("})");
  }
};

TEST_F(WebhookDaemonTest, EveryEventArrivesSignedInSeqOrderThroughFailuresAndRotation) {
  WebhookReceiver receiver({new_secret});
  receiver.then(503, 2);
  receiver.then(ScriptedReply{429, {{"Retry-After", "1"}}, "slow down", false});
  const std::string a = secret_file("a.secret", old_secret);
  const std::string b = secret_file("b.secret", new_secret);
  write_config(DaemonConfig{}.sink("{type: webhook, name: hook, url: \"" + receiver.url() +
                                   "\", secrets: [{file: \"" + a + "\"}, {file: \"" + b +
                                   "\"}], timeout: 2s}"));
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();

  // Four events in one poll (three scopes added, one removed), then one more in the next.
  add_laptop_scope("/contacts-1");
  add_laptop_scope("/contacts-2");
  add_laptop_scope("/contacts-3");
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto ids = jsonl_ids();
        return ids.size() == 4 && receiver.accepted_ids() == ids;
      },
      deadline))
      << daemon->log();

  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  daemon->signal(SIGUSR1);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto ids = jsonl_ids();
        return ids.size() == 5 && receiver.accepted_ids() == ids;
      },
      deadline))
      << daemon->log();

  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0) << daemon->log();

  const std::vector<std::string> in_seq_order = event_ids();
  ASSERT_EQ(in_seq_order.size(), 5u);
  EXPECT_EQ(without_repeats(receiver.arrived_ids()), in_seq_order)
      << "each event arrives, in seq order, none skipped";
  EXPECT_EQ(receiver.accepted_ids(), in_seq_order) << "accepted once each";
  const auto received = receiver.received();
  ASSERT_GE(received.size(), 8u);  // 503, 503, 429, then five accepted
  EXPECT_EQ(received[0].status, 503);
  EXPECT_EQ(received[1].status, 503);
  EXPECT_EQ(received[2].status, 429);
  for (const ReceivedWebhook& request : received) {
    EXPECT_TRUE(request.verified && request.recomputed) << request.id << " " << request.signature;
    EXPECT_EQ(std::count(request.signature.begin(), request.signature.end(), ' '), 1)
        << "two secrets, two signatures: " << request.signature;
  }
}

TEST_F(WebhookDaemonTest, AHangingReceiverHoldsUpNeitherPollingNorOtherSinksNorSigterm) {
  WebhookReceiver receiver({new_secret});
  receiver.hang_from_now_on();
  write_config(DaemonConfig{}.every("1s").sink(
      "{type: webhook, name: hook, url: \"" + receiver.url() + "\", secret_file: \"" +
      secret_file("b.secret", new_secret) + "\", timeout: 10m}"));
  auto daemon = start();
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline)) << daemon->log();

  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  ASSERT_TRUE(wait_until([&] { return receiver.count() >= 1; }, deadline)) << daemon->log();
  ASSERT_TRUE(wait_until([&] { return jsonl_ids().size() == 1; }, deadline)) << daemon->log();
  // Polling goes on while the webhook request hangs; the next change reaches the JSONL sink.
  const std::size_t polls = daemon->count("poll.finished");
  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  ASSERT_TRUE(daemon->wait_for("poll.finished", deadline, polls + 2)) << daemon->log();
  ASSERT_TRUE(wait_until([&] { return jsonl_ids().size() == 2; }, deadline)) << daemon->log();
  EXPECT_EQ(receiver.count(), 1u) << "one event at a time, in order: the first still hangs";

  const auto signalled = std::chrono::steady_clock::now();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(deadline), 0) << daemon->log();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 5s) << daemon->log();
  EXPECT_THAT(receiver.accepted_ids(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace kda::test
