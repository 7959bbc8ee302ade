// Several accounts in one poll: polled at the same time, sharing api.max_concurrency.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "daemon_process.hpp"
#include "support/sim_process.hpp"

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string user_json(const std::string& user_id, int first_device) {
  std::string devices;
  for (int i = 0; i < 3; ++i) {
    const std::string id = std::to_string(1'800'000'000'000'000'000LL + first_device + i);
    if (!devices.empty()) devices += ",";
    devices += R"({"deviceId":")" + id + R"(","machineCode":"m)" + id + R"(","deviceName":"D)" +
               id + R"(","deviceOS":"android","scopes":{"100":[{"scopeId":"9)" + id.substr(1) +
               R"(","localPath":"/a","targetFolderPath":"/b"}]}})";
  }
  return R"({"user_id":")" + user_id + R"(","devices":[)" + devices + "]}";
}

TEST(PollAccounts, AccountsArePolledConcurrentlyWithinOneSharedConcurrencyLimit) {
  const fs::path dir =
      fs::temp_directory_path() / ("kda-accounts-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "token") << "accounts-test-token-0123456789";
  fs::permissions(dir / "token", fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir / "state.json") << R"({"users":[)" << user_json("1111111111111111111", 0) << ","
                                    << user_json("2222222222222222222", 10) << "]}";
  SimProcess sim({"--listen", "127.0.0.1:0", "--state", (dir / "state.json").string(), "--token",
                  "accounts-test-token-0123456789", "--latency", "100ms"});
  std::ofstream(dir / "config.yaml")
      << "api: {base_url: " << sim.base_url() << ", max_concurrency: 2, retry: {attempts: 1}}\n"
      << "auth: {mode: token, token_file: token}\n"
         "accounts: [{user_id: \"1111111111111111111\"}, {user_id: \"2222222222222222222\"}]\n"
         "database: {path: audit.db}\n";

  DaemonProcess poll({"poll", "--once", "--config", (dir / "config.yaml").string()},
                     dir / "poll.log");
  ASSERT_EQ(poll.wait_exit(30s), 0) << poll.log();

  // Each account needs 1 + 9 requests of 100 ms: alone, two at a time, that is ~0.5 s each.
  // Their poll windows overlap only if they ran at the same time.
  SQLite::Database db((dir / "audit.db").string());
  SQLite::Statement polls(db,
                          "SELECT account_id, started_at, finished_at, outcome FROM polls "
                          "ORDER BY account_id");
  std::vector<std::array<std::string, 4>> rows;
  while (polls.executeStep()) {
    rows.push_back({polls.getColumn(0).getString(), polls.getColumn(1).getString(),
                    polls.getColumn(2).getString(), polls.getColumn(3).getString()});
  }
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][3], "ok");
  EXPECT_EQ(rows[1][3], "ok");
  EXPECT_LT(rows[0][1], rows[1][2]) << "account 1 started after account 2 finished";
  EXPECT_LT(rows[1][1], rows[0][2]) << "account 2 started after account 1 finished";

  const boost::json::value counters = sim.counters();
  EXPECT_EQ(counters.at("total").as_int64(), 20);
  EXPECT_EQ(counters.at("peak_in_flight").as_int64(), 2) << "the limit is shared, not per account";
  fs::remove_all(dir);
}

// shard {index, count}: two instances with count 2 split the accounts without overlap.
// FNV-1a 64 mod 2 of the user_ids: 1111… → 0, 2222… → 1, 3333… → 0.
TEST(PollAccounts, TwoShardsSplitTheAccountsBetweenThem) {
  const fs::path dir =
      fs::temp_directory_path() / ("kda-shards-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "token") << "accounts-test-token-0123456789";
  fs::permissions(dir / "token", fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir / "state.json") << R"({"users":[)" << user_json("1111111111111111111", 0)
                                    << "," << user_json("2222222222222222222", 10) << ","
                                    << user_json("3333333333333333333", 20) << "]}";
  SimProcess sim({"--listen", "127.0.0.1:0", "--state", (dir / "state.json").string(), "--token",
                  "accounts-test-token-0123456789"});

  const auto polled_by_shard = [&](int index) {
    const fs::path config = dir / ("shard" + std::to_string(index) + ".yaml");
    std::ofstream(config) << "api: {base_url: " << sim.base_url() << "}\n"
                          << "auth: {mode: token, token_file: token}\n"
                             "accounts: [{user_id: \"1111111111111111111\"}, "
                             "{user_id: \"2222222222222222222\"}, "
                             "{user_id: \"3333333333333333333\"}]\n"
                          << "database: {path: shard" << index << ".db}\n"
                          << "shard: {index: " << index << ", count: 2}\n";
    DaemonProcess poll({"poll", "--once", "--config", config.string()},
                       dir / ("shard" + std::to_string(index) + ".log"));
    EXPECT_EQ(poll.wait_exit(30s), 0) << poll.log();
    SQLite::Database db((dir / ("shard" + std::to_string(index) + ".db")).string());
    SQLite::Statement polls(db, "SELECT account_id FROM polls ORDER BY account_id");
    std::vector<std::string> accounts;
    while (polls.executeStep()) accounts.push_back(polls.getColumn(0).getString());
    return accounts;
  };
  EXPECT_EQ(polled_by_shard(0),
            (std::vector<std::string>{"1111111111111111111", "3333333333333333333"}));
  EXPECT_EQ(polled_by_shard(1), (std::vector<std::string>{"2222222222222222222"}));
  EXPECT_EQ(sim.counters().at("total").as_int64(), 3 * (1 + 3 * 3));  // each account once
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kda::test
