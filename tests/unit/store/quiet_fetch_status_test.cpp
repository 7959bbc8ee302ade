// Migration 0004: a poll that sees nothing new writes O(accounts) rows. fetch_status is written
// only when a pair's status changes; the view current_fetch_status gives the real last attempt
// and last success of every pair.
#include "store_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kda::test {
namespace {

class QuietFetchStatusTest : public MigratedStoreTest {
 protected:
  // A poll of "acc" that lists the devices given and attempts every pair of them; the pairs in
  // `failing` fail.
  CommitResult poll(SystemTime when, const std::vector<Device>& listed,
                    const std::vector<PairKey>& failing = {}) {
    PollCommit commit = make_poll("acc", when, failing.empty() ? "ok" : "partial");
    for (const Device& device : listed) {
      for (int module : {module_folder, module_album}) {
        const PairKey pair{device.device_id, module};
        const bool failed = std::find(failing.begin(), failing.end(), pair) != failing.end();
        commit.attempts.push_back({pair, !failed, failed ? "HTTP 503" : ""});
      }
    }
    return store().commit_poll(commit);
  }

  // "last_attempt_at|last_success_at|consecutive_failures" of a pair, from the table or the view.
  std::string status(const char* relation, const char* device, int module) {
    return query_text(db_path(), std::string("SELECT last_attempt_at || '|' || "
                                             "IFNULL(last_success_at, 'NULL') || '|' || "
                                             "consecutive_failures FROM ") +
                                     relation + " WHERE device_id = '" + device +
                                     "' AND module_code = " + std::to_string(module));
  }

  const SystemTime t1 = at("2026-11-23T07:00:00.000Z");
  const SystemTime t2 = at("2026-11-23T07:05:00.000Z");
  const SystemTime t3 = at("2026-11-23T07:10:00.000Z");
  const SystemTime t4 = at("2026-11-23T07:15:00.000Z");
  const Device laptop = make_device("d1", "laptop");
  const Device phone = make_device("d2", "phone");
};

TEST_F(QuietFetchStatusTest, APollThatSeesNothingNewWritesTheAccountAndPollRowsOnly) {
  PollCommit first = make_poll("acc", t1);
  first.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
  for (const char* device : {"d1", "d2"}) {
    for (int module : {module_folder, module_album}) {
      first.attempts.push_back({{device, module}, true, ""});
    }
  }
  // 1 account + 1 poll + 2 devices + 4 fetch_status rows.
  EXPECT_EQ(store().commit_poll(first).rows_written, 8);

  EXPECT_EQ(poll(t2, {laptop, phone}).rows_written, 2);  // the account row and the poll row
  EXPECT_EQ(poll(t3, {laptop, phone}).rows_written, 2);
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM fetch_status"), "4");
}

TEST_F(QuietFetchStatusTest, TheViewGivesTheLastPollThatGotTheListToHealthyPairs) {
  PollCommit first = make_poll("acc", t1);
  first.device_writes = {{RowWrite::seen, laptop, 0}};
  first.attempts = {{{"d1", module_folder}, true, ""}, {{"d1", module_album}, true, ""}};
  store().commit_poll(first);
  poll(t2, {laptop});
  poll(t3, {laptop}, {{"d1", module_album}});

  // The healthy pair's row says t2 (brought up to date when its sibling failed); the view
  // says t3, the last poll that got the list.
  EXPECT_EQ(status("fetch_status", "d1", module_folder),
            "2026-11-23T07:05:00.000Z|2026-11-23T07:05:00.000Z|0");
  EXPECT_EQ(status("current_fetch_status", "d1", module_folder),
            "2026-11-23T07:10:00.000Z|2026-11-23T07:10:00.000Z|0");
  // A failing pair is written at every attempt: table and view agree, the last success kept.
  EXPECT_EQ(status("fetch_status", "d1", module_album),
            "2026-11-23T07:10:00.000Z|2026-11-23T07:05:00.000Z|1");
  EXPECT_EQ(status("current_fetch_status", "d1", module_album),
            "2026-11-23T07:10:00.000Z|2026-11-23T07:05:00.000Z|1");

  // The first success after failures is written; a failed device list changes nothing.
  poll(t4, {laptop});
  EXPECT_EQ(status("fetch_status", "d1", module_album),
            "2026-11-23T07:15:00.000Z|2026-11-23T07:15:00.000Z|0");
  store().commit_poll(make_poll("acc", t4 + std::chrono::minutes(5), "failed"));
  EXPECT_EQ(status("current_fetch_status", "d1", module_folder),
            "2026-11-23T07:15:00.000Z|2026-11-23T07:15:00.000Z|0");
}

TEST_F(QuietFetchStatusTest, AHealthyPairThatFailsKeepsItsRealLastSuccess) {
  PollCommit first = make_poll("acc", t1);
  first.device_writes = {{RowWrite::seen, laptop, 0}};
  first.attempts = {{{"d1", module_folder}, true, ""}, {{"d1", module_album}, true, ""}};
  store().commit_poll(first);
  poll(t2, {laptop});  // both succeed, nothing written
  poll(t3, {laptop}, {{"d1", module_folder}});
  // The folder pair last succeeded at t2, which its row never recorded until it failed.
  EXPECT_EQ(status("fetch_status", "d1", module_folder),
            "2026-11-23T07:10:00.000Z|2026-11-23T07:05:00.000Z|1");
  EXPECT_EQ(status("current_fetch_status", "d1", module_album),
            "2026-11-23T07:10:00.000Z|2026-11-23T07:10:00.000Z|0");
}

TEST_F(QuietFetchStatusTest, ADeviceLeavingTheListKeepsItsLastRealAttempt) {
  PollCommit first = make_poll("acc", t1);
  first.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
  for (const char* device : {"d1", "d2"}) {
    for (int module : {module_folder, module_album}) {
      first.attempts.push_back({{device, module}, true, ""});
    }
  }
  store().commit_poll(first);
  poll(t2, {laptop, phone});

  // At t3 the phone is missing from the list: its pairs were last attempted at t2.
  PollCommit missing = make_poll("acc", t3);
  missing.device_writes = {{RowWrite::missing, phone, 1}};
  missing.attempts = {{{"d1", module_folder}, true, ""}, {{"d1", module_album}, true, ""}};
  store().commit_poll(missing);
  EXPECT_EQ(status("current_fetch_status", "d2", module_folder),
            "2026-11-23T07:05:00.000Z|2026-11-23T07:05:00.000Z|0");
  EXPECT_EQ(status("current_fetch_status", "d1", module_folder),
            "2026-11-23T07:10:00.000Z|2026-11-23T07:10:00.000Z|0");

  // Still missing at t4, then removed: the rows keep t2.
  PollCommit removed = make_poll("acc", t4);
  removed.device_writes = {{RowWrite::removed, phone, 2}};
  store().commit_poll(removed);
  EXPECT_EQ(status("current_fetch_status", "d2", module_album),
            "2026-11-23T07:05:00.000Z|2026-11-23T07:05:00.000Z|0");
}

}  // namespace
}  // namespace kda::test
