// The real diff, make_poll_commit and the store together: what a silent baseline records
// without an event reaches `baselines`, so that verify replays a history the daemon wrote and
// finds the live snapshot; in emit mode there is no baseline row, every item has its event.
#include "daemon/poll_cycle.hpp"
#include "koodrive_audit/diff.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace kda::daemon {
namespace {

const AccountToPoll account{"1505084218764547200", "finance", {}};

Device device(const std::string& id) { return Device{id, "m-" + id, "dev " + id, "os", "t"}; }
Scope scope(const std::string& id, int module, const std::string& path) {
  return Scope{id, module, path, "/backup" + path, "t"};
}
ScopeFetch fetched(const std::string& device_id, int module, std::vector<Scope> scopes) {
  return {{device_id, module}, std::move(scopes)};
}
ScopeFetch failed(const std::string& device_id, int module) {
  return {{device_id, module}, FetchFailure{"HTTP 503"}};
}

class BaselineChain : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kda-chain-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_.emplace(Store::open(dir_ / "audit.db"));
    store_->migrate();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  PollCommit poll(std::vector<Device> devices, std::vector<ScopeFetch> fetches,
                  BaselineMode mode = BaselineMode::silent) {
    return poll(Observation{account.account_id, std::move(devices), std::move(fetches)}, mode);
  }
  PollCommit poll(const Observation& observation, BaselineMode mode = BaselineMode::silent) {
    DiffOptions options;
    options.baseline = mode;
    const DiffResult result = diff(store_->load_snapshot(account.account_id), observation, options);
    now_ += std::chrono::minutes(5);
    PollCommit commit = make_poll_commit(account, observation, result, {}, now_ - std::chrono::seconds(2), now_);
    store_->commit_poll(commit);
    return commit;
  }

  VerifyReport verify() { return store_->verify(); }

  std::filesystem::path dir_;
  std::optional<Store> store_;
  SystemTime now_{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23}};
};

TEST_F(BaselineChain, SilentBaselinesAreRecordedAndTheHistoryReplays) {
  // Poll 1: the first device list and every pair that succeeded are silent baselines.
  PollCommit first = poll({device("a"), device("b")},
                          {fetched("a", 100, {scope("s1", 100, "/docs"), scope("s2", 100, "/pics")}),
                           fetched("a", 101, {}), failed("a", 102),
                           fetched("b", 100, {scope("s3", 100, "/notes")}), fetched("b", 101, {}),
                           fetched("b", 102, {})});
  EXPECT_TRUE(first.device_list_baseline);
  EXPECT_EQ(first.baseline_pairs, (std::vector<PairKey>{{"a", 100}, {"a", 101}, {"b", 100},
                                                        {"b", 101}, {"b", 102}}));
  EXPECT_TRUE(first.changes.empty());
  VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.baselines, 6);
  EXPECT_EQ(report.scopes, 3);

  // Poll 2: a's address book succeeds for the first time (silent), s1 moves, c is bound.
  PollCommit second = poll({device("a"), device("b"), device("c")},
                           {fetched("a", 100, {scope("s1", 100, "/work"), scope("s2", 100, "/pics")}),
                            fetched("a", 101, {}), fetched("a", 102, {scope("s4", 102, "/contacts")}),
                            fetched("b", 100, {scope("s3", 100, "/notes")}), fetched("b", 101, {}),
                            fetched("b", 102, {}), fetched("c", 100, {scope("s5", 100, "/c")}),
                            fetched("c", 101, {}), fetched("c", 102, {})});
  EXPECT_FALSE(second.device_list_baseline);
  EXPECT_EQ(second.baseline_pairs, (std::vector<PairKey>{{"a", 102}}));
  EXPECT_EQ(second.changes.size(), 3u);  // device.added c, scope.changed s1, scope.added s5
  report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.baselines, 7);
  EXPECT_EQ(report.events, 3);

  // Poll 3: b is unbound (a cascade).
  poll({device("a"), device("c")},
       {fetched("a", 100, {scope("s1", 100, "/work"), scope("s2", 100, "/pics")}),
        fetched("a", 101, {}), fetched("a", 102, {scope("s4", 102, "/contacts")}),
        fetched("c", 100, {scope("s5", 100, "/c")}), fetched("c", 101, {}), fetched("c", 102, {})});
  report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.devices, 2);
  EXPECT_EQ(report.scopes, 4);
}

TEST_F(BaselineChain, EmitModeRecordsNoBaselineAndStillReplays) {
  const PollCommit first =
      poll({device("a")}, {fetched("a", 100, {scope("s1", 100, "/docs")}), fetched("a", 101, {})},
           BaselineMode::emit);
  EXPECT_FALSE(first.device_list_baseline);
  EXPECT_TRUE(first.baseline_pairs.empty());
  const VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.baselines, 0);
  EXPECT_EQ(report.events, 2);
  EXPECT_EQ(report.devices, 1);
  EXPECT_EQ(report.scopes, 1);
}

TEST_F(BaselineChain, HeldMassRemovalsAndCoverageEventsReplay) {
  std::vector<Scope> six;
  for (int i = 0; i < 6; ++i) six.push_back(scope("s" + std::to_string(i), 100, "/p" + std::to_string(i)));
  poll({device("a")}, {fetched("a", 100, six)});

  // Every scope gone at once: the guard holds the removals (rows missing, no scope.removed).
  PollCommit held = poll({device("a")}, {fetched("a", 100, {})});
  ASSERT_EQ(held.changes.size(), 1u);
  EXPECT_EQ(held.changes[0].type, ChangeType::suspect_mass_removal);
  VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.scopes, 6);

  // Still gone: confirmed, six scope.removed.
  EXPECT_EQ(poll({device("a")}, {fetched("a", 100, {})}).changes.size(), 6u);
  report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.scopes, 0);
  EXPECT_EQ(report.replayed_events, 6);

  // The device list fails three times (coverage.lost on a failed poll), then comes back.
  const Observation failing{account.account_id, FetchFailure{"HTTP 503"}, {}};
  poll(failing);
  poll(failing);
  EXPECT_EQ(poll(failing).changes.size(), 1u);
  const PollCommit restored = poll({device("a")}, {fetched("a", 100, {scope("s9", 100, "/new")})});
  EXPECT_EQ(restored.changes.size(), 2u);  // scope.added s9, coverage.restored
  report = verify();
  EXPECT_TRUE(report.ok()) << report.problems.front().text;
  EXPECT_EQ(report.events, 10);
  EXPECT_EQ(report.replayed_events, 7);
  EXPECT_EQ(report.devices, 1);
  EXPECT_EQ(report.scopes, 1);
}

}  // namespace
}  // namespace kda::daemon
