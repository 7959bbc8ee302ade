// StoredScopeReader: a poll's stored scopes, read a run of devices at a time. Whatever order
// the pairs are asked in, each gets exactly the rows Store::live_scopes gives it.
#include "daemon/stored_scope_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <span>

namespace kda::daemon {
namespace {

class StoredScopeReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kda-reader-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_.emplace(Store::open(dir_ / "audit.db"));
    store_->migrate();
    // `devices` devices; device i has i % 3 folder scopes and one album scope; one more live
    // device ("d-unlisted") that the reader is not told about.
    PollCommit poll;
    poll.account_id = account;
    poll.outcome = "ok";
    poll.started_at = poll.finished_at = SystemTime{std::chrono::sys_days{std::chrono::year{2026} / 12 / 5}};
    for (int i = 0; i <= devices; ++i) {
      const std::string id = i == devices ? "d-unlisted" : id_of(i);
      poll.device_writes.push_back({RowWrite::seen, Device{id, "mc", "pc", "os", "t"}, 0});
      for (int s = 0; s < i % 3; ++s) {
        poll.scope_writes.push_back(
            {RowWrite::seen, id, Scope{"f" + std::to_string(s), module_folder, "/p", "/t", "t"}, 0});
      }
      poll.scope_writes.push_back({RowWrite::seen, id, Scope{"a", module_album, "/p", "/t", "t"}, 0});
    }
    // Fetched before: the folder pair of every even device, the album pair of every third (a
    // failed attempt leaves a pair without last_success_at, so not fetched).
    for (int i = 0; i < devices; ++i) {
      if (i % 2 == 0) poll.attempts.push_back({PairKey{id_of(i), module_folder}, true, {}});
      if (i % 3 == 0) poll.attempts.push_back({PairKey{id_of(i), module_album}, true, {}});
      if (i % 5 == 0) {
        poll.attempts.push_back({PairKey{id_of(i), module_address_book}, false, "HTTP 503"});
      }
    }
    poll.attempts.push_back({PairKey{"d-unlisted", module_album}, true, {}});
    std::sort(poll.attempts.begin(), poll.attempts.end(),
              [](const PairAttempt& a, const PairAttempt& b) { return a.pair < b.pair; });
    std::sort(poll.scope_writes.begin(), poll.scope_writes.end(), [](const auto& a, const auto& b) {
      return std::tie(a.device_id, a.scope.module_code, a.scope.scope_id) <
             std::tie(b.device_id, b.scope.module_code, b.scope.scope_id);
    });
    store_->commit_poll(poll);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // What of_pair lends, copied: it stays valid only until the reader's next call.
  static std::vector<ScopeRow> copied(std::span<const ScopeRow> rows) {
    return {rows.begin(), rows.end()};
  }

  static std::string id_of(int i) {
    std::string id = std::to_string(i);
    return "d" + std::string(4 - id.size(), '0') + id;
  }
  std::vector<std::string> listed() const {
    std::vector<std::string> ids;
    for (int i = 0; i < devices; ++i) ids.push_back(id_of(i));
    return ids;
  }
  std::vector<PairKey> pairs() const {
    std::vector<PairKey> all;
    for (const std::string& id : listed()) {
      for (int module : known_modules) all.push_back({id, module});
    }
    return all;
  }

  static constexpr int devices = 700;  // more than kept_devices: runs get evicted
  const std::string account = "1505084218764547200";
  std::filesystem::path dir_;
  std::optional<Store> store_;
};

TEST_F(StoredScopeReaderTest, InIdentityOrderEachPairGetsItsRowsFromFewReads) {
  StoredScopeReader reader(*store_, account, listed());
  const StoredScopes stored = reader.scopes();
  for (const PairKey& pair : pairs()) {
    EXPECT_EQ(copied(stored.of_pair(pair)), store_->live_scopes(account, pair)) << pair.device_id;
  }
  // 700 devices in runs of 64, one read each.
  EXPECT_EQ(reader.store_reads(), (devices + StoredScopeReader::batch_devices - 1) /
                                  StoredScopeReader::batch_devices);
}

TEST_F(StoredScopeReaderTest, InAnyOrderEachPairGetsItsRows) {
  std::vector<PairKey> shuffled = pairs();
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(11));
  StoredScopeReader reader(*store_, account, listed());
  const StoredScopes stored = reader.scopes();
  for (const PairKey& pair : shuffled) {
    EXPECT_EQ(copied(stored.of_pair(pair)), store_->live_scopes(account, pair))
        << pair.device_id << " " << pair.module_code;
  }
}

TEST_F(StoredScopeReaderTest, InAnyOrderEachPairIsKnownFetchedOrNotLikeTheSnapshotSays) {
  const Snapshot snapshot = store_->load_snapshot(account);
  ASSERT_EQ(snapshot.fetched_pairs.size(), 350u + 234u + 1u);
  std::vector<PairKey> shuffled = pairs();
  shuffled.push_back({"d-unlisted", module_album});
  shuffled.push_back({"d-unlisted", module_folder});
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(5));
  StoredScopeReader reader(*store_, account, listed());
  const StoredScopes stored = reader.scopes();
  for (const PairKey& pair : shuffled) {
    EXPECT_EQ(stored.fetched_before(pair), snapshot.fetched_pairs.contains(pair))
        << pair.device_id << " " << pair.module_code;
  }
  // The head of a poll that reads them this way leaves them out; the rest is the same.
  const SnapshotHead head = store_->load_snapshot_head(account, Store::HeadPairs::leave_out);
  EXPECT_TRUE(head.snapshot.fetched_pairs.empty());
  EXPECT_EQ(head.snapshot.devices, snapshot.devices);
  EXPECT_EQ(head.snapshot.pair_failures, snapshot.pair_failures);
  EXPECT_FALSE(store_->load_snapshot_head(account).snapshot.fetched_pairs.empty());
}

TEST_F(StoredScopeReaderTest, AWholeDeviceAndAnUnlistedOneAreReadDirectly) {
  StoredScopeReader reader(*store_, account, listed());
  const StoredScopes stored = reader.scopes();
  EXPECT_EQ(stored.of_device(id_of(5)), store_->live_scopes(account, id_of(5)));
  const std::vector<ScopeRow> unlisted = copied(stored.of_pair({"d-unlisted", module_album}));
  EXPECT_EQ(unlisted, store_->live_scopes(account, PairKey{"d-unlisted", module_album}));
  EXPECT_EQ(unlisted.size(), 1u);
  EXPECT_TRUE(stored.of_pair({"d-unlisted", module_address_book}).empty());
}

TEST_F(StoredScopeReaderTest, ARunReplacedByLaterOnesIsReadAgainWithTheSameRows) {
  StoredScopeReader reader(*store_, account, listed());
  const StoredScopes stored = reader.scopes();
  const PairKey first{id_of(2), module_folder};
  const std::vector<ScopeRow> before = copied(stored.of_pair(first));
  ASSERT_EQ(before.size(), 2u);
  // kept_runs more runs, each in a buffer of its own until the first one's is reused.
  for (std::size_t run = 1; run <= StoredScopeReader::kept_runs; ++run) {
    const int device = static_cast<int>(run * StoredScopeReader::batch_devices) + 2;
    ASSERT_LT(device, devices);
    EXPECT_EQ(copied(stored.of_pair({id_of(device), module_album})),
              store_->live_scopes(account, PairKey{id_of(device), module_album}));
  }
  EXPECT_EQ(reader.store_reads(), 1 + StoredScopeReader::kept_runs);
  EXPECT_EQ(copied(stored.of_pair(first)), before);
  EXPECT_EQ(reader.store_reads(), 2 + StoredScopeReader::kept_runs);
  // Still kept: the run read last before it.
  const int last_device =
      static_cast<int>(StoredScopeReader::kept_runs * StoredScopeReader::batch_devices) + 2;
  EXPECT_EQ(copied(stored.of_pair({id_of(last_device), module_folder})),
            store_->live_scopes(account, PairKey{id_of(last_device), module_folder}));
  EXPECT_EQ(reader.store_reads(), 2 + StoredScopeReader::kept_runs);
}

}  // namespace
}  // namespace kda::daemon
