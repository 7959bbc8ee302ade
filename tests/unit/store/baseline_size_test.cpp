// The daemon's first poll of a large tenant records ~90,000 scopes silently (DESIGN.md §5
// rule 2); the whole commit must stay well inside a poll interval.
#include "store_fixture.hpp"

#include <chrono>

namespace kda::test {
namespace {

using BaselineSizeStoreTest = StoreTest;

// Under the sanitizers the workload still runs (for its memory checks), but its time means
// nothing.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool timing_is_meaningful = false;
#else
constexpr bool timing_is_meaningful = true;
#endif

constexpr int device_count = 1000;
constexpr int scopes_per_pair = 30;  // × 3 modules × 1000 devices = 90,000 scopes

PollCommit baseline_poll(bool emit_events) {
  PollCommit poll = make_poll("1505084218764547200", at("2026-11-23T07:00:00.000Z"));
  // Silent: the first device list and every pair are baselines, recorded in `baselines` (one
  // row for the devices, one per pair) for verify to replay.
  poll.device_list_baseline = !emit_events;
  poll.device_writes.reserve(device_count);
  poll.scope_writes.reserve(device_count * 3 * scopes_per_pair);
  for (int d = 0; d < device_count; ++d) {
    const std::string device_id = std::to_string(1505084218764547200LL + d);
    poll.device_writes.push_back({RowWrite::seen, make_device(device_id), 0});
    if (emit_events) {
      poll.changes.push_back(Change{ChangeType::device_added, device_id, "laptop", std::nullopt,
                                    "", {}, make_device(device_id), ""});
    }
    for (const int module : known_modules) {
      poll.attempts.push_back({{device_id, module}, true, ""});
      if (!emit_events) poll.baseline_pairs.push_back({device_id, module});
      for (int s = 0; s < scopes_per_pair; ++s) {
        const Scope scope = make_scope(device_id + "-" + std::to_string(module) + "-" +
                                           std::to_string(s),
                                       module, "/data/folder/" + std::to_string(s));
        poll.scope_writes.push_back({RowWrite::seen, device_id, scope, 0});
        if (emit_events) {
          poll.changes.push_back(Change{ChangeType::scope_added, device_id, "laptop", module,
                                        scope.scope_id, {}, scope, ""});
        }
      }
    }
  }
  return poll;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// These guard against a regression to per-row work (a transaction or a prepare per row costs
// minutes, not seconds), with bounds loose enough for a loaded 2-core CI machine (the ctest
// runs beside other tests; 5.2 s was seen for the 4 s target under parallel builds). The
// performance targets themselves are measured by the benchmark, not asserted here.
constexpr double regression_bound_seconds = 30.0;

TEST_F(BaselineSizeStoreTest, NinetyThousandScopesCommitInSecondsNotMinutes) {
  auto start = std::chrono::steady_clock::now();
  std::string stages;
  Store store = open_migrated(StoreOptions{[&](std::string_view stage) {
    stages += " " + std::string(stage) + "=" + std::to_string(seconds_since(start));
  }});
  const PollCommit poll = baseline_poll(false);
  ASSERT_EQ(poll.scope_writes.size(), 90'000u);

  start = std::chrono::steady_clock::now();
  store.commit_poll(poll);
  const double commit_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  const Snapshot snapshot = store.load_snapshot(poll.account_id);
  const double load_seconds = seconds_since(start);

  // verify replays the 3,001 baselines rows (the devices and every pair) into the same snapshot.
  start = std::chrono::steady_clock::now();
  const VerifyReport report = store.verify();
  const double verify_seconds = seconds_since(start);

  EXPECT_EQ(snapshot.scopes.size(), 90'000u);
  EXPECT_EQ(snapshot.fetched_pairs.size(), 3'000u);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.baselines, 3'001);
  EXPECT_EQ(report.scopes, 90'000);
  RecordProperty("commit_seconds", std::to_string(commit_seconds));
  RecordProperty("load_seconds", std::to_string(load_seconds));
  RecordProperty("verify_seconds", std::to_string(verify_seconds));
  std::printf("baseline commit %.3f s:%s, load_snapshot %.3f s, verify %.3f s\n", commit_seconds,
              stages.c_str(), load_seconds, verify_seconds);
  if (timing_is_meaningful) {
    EXPECT_LT(commit_seconds, regression_bound_seconds);
    EXPECT_LT(load_seconds, regression_bound_seconds);
    EXPECT_LT(verify_seconds, regression_bound_seconds);
  }
}

TEST_F(BaselineSizeStoreTest, NinetyThousandScopesWithEventsCommitInSecondsNotMinutes) {
  // events.baseline: emit — every device and scope also becomes an event (hashed into the
  // chain) and no baselines row is written. Slower than the silent baseline: an event row
  // carries the whole record as JSON and four indexes.
  auto start = std::chrono::steady_clock::now();
  std::string stages;
  Store store = open_migrated(StoreOptions{[&](std::string_view stage) {
    stages += " " + std::string(stage) + "=" + std::to_string(seconds_since(start));
  }});
  const PollCommit poll = baseline_poll(true);
  start = std::chrono::steady_clock::now();
  const CommitResult result = store.commit_poll(poll);
  const double commit_seconds = seconds_since(start);
  start = std::chrono::steady_clock::now();
  const VerifyReport report = store.verify();
  const double verify_seconds = seconds_since(start);
  std::printf("baseline commit with events %.3f s:%s, verify %.3f s\n", commit_seconds,
              stages.c_str(), verify_seconds);
  EXPECT_EQ(result.last_seq - result.first_seq + 1, 91'000);  // 1,000 devices, 90,000 scopes
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.replayed_events, 91'000);
  if (timing_is_meaningful) {
    EXPECT_LT(commit_seconds, regression_bound_seconds);
  }
}

}  // namespace
}  // namespace kda::test
