#include "daemon/poll_cycle.hpp"

#include <gtest/gtest.h>

namespace kda::daemon {
namespace {

const AccountToPoll account{"1505084218764547200", "finance", {}};
const SystemTime started{};
const SystemTime finished = started + std::chrono::seconds(2);

Device device(std::string id) {
  Device d;
  d.device_id = std::move(id);
  return d;
}

PollReport report(std::string outcome) {
  PollReport r;
  r.outcome = std::move(outcome);
  return r;
}

ScopeFetch ok_fetch(std::string device, int module) {
  return {{std::move(device), module}, std::vector<Scope>{}};
}
ScopeFetch failed_fetch(std::string device, int module, std::string reason) {
  return {{std::move(device), module}, FetchFailure{std::move(reason)}};
}

TEST(MakePollCommit, AFailedDeviceListCommitsOnlyAFailedPollRow) {
  Observation observation{account.account_id, FetchFailure{"GET /device: HTTP 503"}, {}};
  // The diff gives such an observation at most the device list's coverage.lost; a
  // configuration change it should never give is dropped all the same.
  DiffResult diff;
  diff.changes.push_back(Change{ChangeType::device_removed, "1", "", {}, "", device("1"), {}, ""});
  Change lost;
  lost.type = ChangeType::coverage_lost;
  lost.after = AuditDetail{R"({"target":"device_list"})"};
  diff.changes.push_back(lost);
  const PollCommit poll = make_poll_commit(account, observation, diff, {3, 2, 1}, started, finished);
  EXPECT_EQ(poll.outcome, "failed");
  EXPECT_EQ(poll.error, "device list: GET /device: HTTP 503");
  ASSERT_EQ(poll.changes.size(), 1u);
  EXPECT_EQ(poll.changes[0], lost);
  EXPECT_TRUE(poll.attempts.empty());
  EXPECT_EQ(poll.requests, 3);
  EXPECT_EQ(poll.failures, 1);
}

TEST(MakePollCommit, FailedPairsMakeItPartialAndAreRecordedAsAttempts) {
  Observation observation{account.account_id, std::vector<Device>{device("1")},
                          {ok_fetch("1", 100), failed_fetch("1", 101, "HTTP 500"),
                           failed_fetch("1", 102, "timed out")}};
  const PollCommit poll = make_poll_commit(account, observation, {}, {}, started, finished);
  EXPECT_EQ(poll.outcome, "partial");
  EXPECT_EQ(poll.error, "HTTP 500 (and 1 more)");
  ASSERT_EQ(poll.attempts.size(), 3u);
  EXPECT_TRUE(poll.attempts[0].ok);
  EXPECT_FALSE(poll.attempts[1].ok);
  EXPECT_EQ(poll.attempts[2].error, "timed out");
  EXPECT_EQ(poll.account_name, "finance");
  EXPECT_EQ(poll.finished_at, finished);
}

TEST(MakePollCommit, AllPairsFetchedIsOkAndCarriesTheDiff) {
  Observation observation{account.account_id, std::vector<Device>{device("1")},
                          {ok_fetch("1", 100)}};
  DiffResult diff;
  diff.changes.push_back(Change{ChangeType::device_added, "1", "", {}, "", {}, device("1"), ""});
  diff.device_writes.push_back(DeviceWrite{RowWrite::seen, device("1"), 0});
  const PollCommit poll = make_poll_commit(account, observation, diff, {}, started, finished);
  EXPECT_EQ(poll.outcome, "ok");
  EXPECT_EQ(poll.error, "");
  EXPECT_EQ(poll.changes, diff.changes);
  EXPECT_EQ(poll.device_writes, diff.device_writes);
}

TEST(MakePollCommit, SuccessesOfPairsThatWereHealthyAreLeftOut) {
  Observation observation{account.account_id, std::vector<Device>{device("1")},
                          {ok_fetch("1", 100), ok_fetch("1", 101), ok_fetch("1", 102),
                           failed_fetch("2", 100, "HTTP 500")}};
  Snapshot before;
  before.fetched_pairs = {{"1", 100}, {"1", 101}, {"2", 100}};  // (1, 102) never fetched
  before.pair_failures = {{{"1", 101}, 2}};                     // (1, 101) was failing
  const PollCommit poll =
      make_poll_commit(account, observation, {}, {}, started, finished, &before);
  // (1, 100) stays healthy: no row to write. The others change their stored status.
  ASSERT_EQ(poll.attempts.size(), 3u);
  EXPECT_EQ(poll.attempts[0].pair, (PairKey{"1", 101}));
  EXPECT_EQ(poll.attempts[1].pair, (PairKey{"1", 102}));
  EXPECT_EQ(poll.attempts[2].pair, (PairKey{"2", 100}));
  EXPECT_FALSE(poll.attempts[2].ok);
  EXPECT_EQ(poll.outcome, "partial");
}

TEST(PollExitCode, WorstOutcomeWins) {
  const PollReport ok = report("ok"), partial = report("partial"), failed = report("failed");
  EXPECT_EQ(poll_exit_code({ok, ok}), 0);
  EXPECT_EQ(poll_exit_code({ok, partial}), 2);
  EXPECT_EQ(poll_exit_code({partial, failed, ok}), 1);
}

}  // namespace
}  // namespace kda::daemon
