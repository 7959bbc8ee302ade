// The store's read side for the CLI: opening read-only, history filters, recent polls, failing
// pairs (with failing_since), sink backlogs, and one consistent view across queries.
#include "store_fixture.hpp"

#include "koodrive_audit/event_json.hpp"

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>

#include <fstream>

namespace kda::test {
namespace {

using ::testing::HasSubstr;

class QueriesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    writer_.emplace(open_migrated());
  }
  void TearDown() override {
    writer_.reset();
    StoreTest::TearDown();
  }
  Store& writer() { return *writer_; }

  // Three polls of "acc": t1 laptop (d1) and phone (d2) appear with a scope each (2 events);
  // t2 the laptop's scope moves (1 event); t3 the phone is unbound (2 events, a cascade).
  void commit_three_polls() {
    PollCommit first = make_poll("acc", t1);
    first.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
    first.scope_writes = {{RowWrite::seen, "d1", docs, 0}, {RowWrite::seen, "d2", camera, 0}};
    first.changes = {
        Change{ChangeType::device_added, "d2", "phone", std::nullopt, "", {}, phone, ""},
        Change{ChangeType::scope_added, "d2", "phone", module_album, "s2", {}, camera, ""}};
    writer().commit_poll(first);

    PollCommit second = make_poll("acc", t2);
    second.scope_writes = {{RowWrite::seen, "d1", moved_docs, 0}};
    second.changes = {Change{ChangeType::scope_changed, "d1", "laptop", module_folder, "s1", docs,
                             moved_docs, ""}};
    writer().commit_poll(second);

    PollCommit third = make_poll("acc", t3);
    third.device_writes = {{RowWrite::removed, phone, 1}};
    third.scope_writes = {{RowWrite::removed, "d2", camera, 0}};
    third.changes = {
        Change{ChangeType::device_removed, "d2", "phone", std::nullopt, "", phone, {}, ""},
        Change{ChangeType::scope_removed,
               "d2",
               "phone",
               module_album,
               "s2",
               camera,
               {},
               "device.removed"}};
    writer().commit_poll(third);
  }

  static std::vector<std::int64_t> seqs(const std::vector<StoredEvent>& events) {
    std::vector<std::int64_t> out;
    for (const StoredEvent& e : events) out.push_back(e.seq);
    return out;
  }

  const SystemTime t1 = at("2026-11-22T23:00:00.000Z");
  const SystemTime t2 = at("2026-11-23T07:05:00.250Z");
  const SystemTime t3 = at("2026-11-23T07:10:00.500Z");
  const Device laptop = make_device("d1", "laptop");
  const Device phone = make_device("d2", "phone");
  const Scope docs = make_scope("s1", module_folder, "/Documents");
  const Scope moved_docs = make_scope("s1", module_folder, "/Work");
  const Scope camera = make_scope("s2", module_album, "/DCIM");

 private:
  std::optional<Store> writer_;
};

TEST_F(QueriesTest, OpenReadOnlyRefusesAMissingFileAndCreatesNothing) {
  const std::filesystem::path missing = dir_ / "nothing-here.db";
  try {
    Store::open_read_only(missing);
    FAIL() << "opened a database that does not exist";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr(missing.string()));
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(QueriesTest, OpenReadOnlyNamesAFileThatIsNotADatabase) {
  const std::filesystem::path text = dir_ / "notes.txt";
  std::ofstream(text) << "these are not the droids you are looking for, nor a database header\n";
  try {
    Store::open_read_only(text);
    FAIL() << "opened a text file as a database";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr(text.string()));
    EXPECT_THAT(error.what(), HasSubstr("not a database"));
  }
}

TEST_F(QueriesTest, AReadOnlyStoreReadsButCannotWrite) {
  commit_three_polls();
  Store reader = Store::open_read_only(db_path());
  EXPECT_EQ(reader.schema_version(), static_cast<int>(embedded_migrations().size()));
  EXPECT_EQ(reader.history({}).size(), 5u);
  const std::string before = dump(db_path());
  EXPECT_THROW(reader.set_sink_cursor("log", 5, t3), std::runtime_error);
  EXPECT_THROW(reader.commit_poll(make_poll("acc", t3)), std::runtime_error);
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(QueriesTest, AReaderIsNotBlockedByAnOpenWriteTransaction) {
  commit_three_polls();
  Store reader = Store::open_read_only(db_path());
  SQLite::Database other(db_path().string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  other.exec("DELETE FROM sink_cursors");
  other.exec("UPDATE polls SET outcome = 'failed'");
  // WAL: the reader sees the last commit at once instead of waiting out busy_timeout.
  const auto started = std::chrono::steady_clock::now();
  const std::vector<PollRow> polls = reader.recent_polls("acc", 10);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ASSERT_EQ(polls.size(), 3u);
  EXPECT_EQ(polls[0].outcome, "ok");
  other.exec("ROLLBACK");
}

TEST_F(QueriesTest, HistoryWithoutAFilterIsEveryEventOldestFirstLikeTheOutbox) {
  commit_three_polls();
  const std::vector<StoredEvent> all = writer().history({});
  EXPECT_EQ(seqs(all), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  // The same rows the outbox hands the sinks, so `history --json` equals the JSONL lines.
  EXPECT_EQ(all, writer().events_after(0, 100));
  EXPECT_EQ(all[2].type, "scope.changed");
  EXPECT_EQ(all[2].device_name, "laptop");
  EXPECT_EQ(all[2].before_json, record_to_json(docs));
  EXPECT_EQ(all[2].after_json, record_to_json(moved_docs));
  EXPECT_EQ(all[0].after_json, record_to_json(phone));
  EXPECT_EQ(all[0].before_json, "null");
}

TEST_F(QueriesTest, HistoryFiltersCombine) {
  commit_three_polls();
  HistoryFilter since;
  since.since = "2026-11-23T00:00:00.000Z";
  EXPECT_EQ(seqs(writer().history(since)), (std::vector<std::int64_t>{3, 4, 5}));
  // Inclusive: an event observed exactly at `since` is in.
  since.since = "2026-11-23T07:05:00.250Z";
  EXPECT_EQ(seqs(writer().history(since)), (std::vector<std::int64_t>{3, 4, 5}));
  since.since = "2026-11-23T07:05:00.251Z";
  EXPECT_EQ(seqs(writer().history(since)), (std::vector<std::int64_t>{4, 5}));

  HistoryFilter device;
  device.device_id = "d2";
  EXPECT_EQ(seqs(writer().history(device)), (std::vector<std::int64_t>{1, 2, 4, 5}));
  device.type = "scope.removed";
  EXPECT_EQ(seqs(writer().history(device)), (std::vector<std::int64_t>{5}));
  device.since = "2026-11-23T07:10:00.501Z";
  EXPECT_TRUE(writer().history(device).empty());

  HistoryFilter type;
  type.type = "device.changed";
  EXPECT_TRUE(writer().history(type).empty());
  HistoryFilter nobody;
  nobody.device_id = "d9";
  EXPECT_TRUE(writer().history(nobody).empty());
}

TEST_F(QueriesTest, HistoryLimitKeepsTheNewestOldestFirst) {
  commit_three_polls();
  HistoryFilter filter;
  filter.limit = 2;
  EXPECT_EQ(seqs(writer().history(filter)), (std::vector<std::int64_t>{4, 5}));
  filter.device_id = "d2";
  filter.limit = 3;
  EXPECT_EQ(seqs(writer().history(filter)), (std::vector<std::int64_t>{2, 4, 5}));
  filter.limit = 0;
  EXPECT_TRUE(writer().history(filter).empty());
  filter.limit = static_cast<std::size_t>(-1);
  EXPECT_EQ(writer().history(filter).size(), 4u);
}

TEST_F(QueriesTest, HasDeviceKnowsRemovedDevicesToo) {
  commit_three_polls();
  EXPECT_TRUE(writer().has_device("d1"));
  EXPECT_TRUE(writer().has_device("d2"));  // unbound at t3, still recorded
  EXPECT_FALSE(writer().has_device("d3"));
}

TEST_F(QueriesTest, AccountsAndRecentPolls) {
  commit_three_polls();
  PollCommit other = make_poll("acc-2", t2, "failed");
  other.account_name = "";
  other.error = "device list: HTTP 503";
  writer().commit_poll(other);

  EXPECT_EQ(writer().accounts(),
            (std::vector<AccountRow>{{"acc", "finance-laptops", "2026-11-22T23:00:00.000Z"},
                                     {"acc-2", "", "2026-11-23T07:05:00.250Z"}}));

  const std::vector<PollRow> polls = writer().recent_polls("acc", 2);
  ASSERT_EQ(polls.size(), 2u);
  EXPECT_EQ(polls[0].poll_id, 3);  // newest first
  EXPECT_EQ(polls[0].started_at, "2026-11-23T07:09:58.500Z");
  EXPECT_EQ(polls[0].finished_at, "2026-11-23T07:10:00.500Z");
  EXPECT_EQ(polls[0].events, 2);
  EXPECT_EQ(polls[0].requests, 4);
  EXPECT_EQ(polls[1].poll_id, 2);
  EXPECT_EQ(writer().recent_polls("acc", 10).size(), 3u);
  EXPECT_TRUE(writer().recent_polls("acc", 0).empty());
  EXPECT_TRUE(writer().recent_polls("nobody", 5).empty());

  const std::vector<PollRow> failed = writer().recent_polls("acc-2", 5);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].outcome, "failed");
  EXPECT_EQ(failed[0].error, "device list: HTTP 503");
}

class FailingPairsTest : public QueriesTest {
 protected:
  // d1 folder succeeds at t1; then fails at t2 and t3 (partial polls). d1 album fails from its
  // first attempt at t1 on. phone (d2) album fails at t1 and the phone is unbound at t2.
  void commit_failures() {
    PollCommit first = make_poll("acc", t1, "partial");
    first.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
    first.attempts = {{{"d1", module_folder}, true, ""},
                      {{"d1", module_album}, false, "HTTP 500"},
                      {{"d2", module_album}, false, "timeout"}};
    writer().commit_poll(first);
    PollCommit second = make_poll("acc", t2, "partial");
    second.device_writes = {{RowWrite::removed, phone, 1}};
    second.attempts = {{{"d1", module_folder}, false, "HTTP 503"},
                       {{"d1", module_album}, false, "HTTP 500"}};
    writer().commit_poll(second);
    PollCommit third = make_poll("acc", t3, "partial");
    third.attempts = {{{"d1", module_folder}, false, "HTTP 429"},
                      {{"d1", module_album}, false, "HTTP 500"}};
    writer().commit_poll(third);
  }
};

TEST_F(FailingPairsTest, BoundDevicesOnlyMostFailuresFirstWithWhenTheyStarted) {
  commit_failures();
  const std::vector<FailingPair> pairs = writer().failing_pairs("acc");
  ASSERT_EQ(pairs.size(), 2u) << "the unbound phone's stale failure is not listed";

  EXPECT_EQ(pairs[0].device_id, "d1");
  EXPECT_EQ(pairs[0].device_name, "laptop");
  EXPECT_EQ(pairs[0].module_code, module_album);
  EXPECT_EQ(pairs[0].consecutive_failures, 3);
  EXPECT_EQ(pairs[0].last_success_at, "");  // never
  EXPECT_EQ(pairs[0].last_error, "HTTP 500");
  EXPECT_EQ(pairs[0].last_attempt_at, "2026-11-23T07:10:00.500Z");
  EXPECT_EQ(pairs[0].failing_since, "2026-11-22T23:00:00.000Z");

  EXPECT_EQ(pairs[1].module_code, module_folder);
  EXPECT_EQ(pairs[1].consecutive_failures, 2);
  EXPECT_EQ(pairs[1].last_success_at, "2026-11-22T23:00:00.000Z");
  EXPECT_EQ(pairs[1].last_error, "HTTP 429");
  EXPECT_EQ(pairs[1].failing_since, "2026-11-23T07:05:00.250Z");

  EXPECT_TRUE(writer().failing_pairs("nobody").empty());
}

TEST_F(FailingPairsTest, FailingSinceIsUnknownRatherThanGuessedWhenPollsArePruned) {
  commit_failures();
  // Retention deleted the t2 poll: the partial polls no longer account for every failure.
  exec_sql(db_path(), "DELETE FROM polls WHERE finished_at = '2026-11-23T07:05:00.250Z'");
  const std::vector<FailingPair> pairs = writer().failing_pairs("acc");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].failing_since, std::nullopt);
  EXPECT_EQ(pairs[1].failing_since, std::nullopt);
}

TEST_F(FailingPairsTest, ASuccessEndsTheFailure) {
  commit_failures();
  PollCommit fourth = make_poll("acc", at("2026-11-23T07:15:00.000Z"));
  fourth.attempts = {{{"d1", module_folder}, true, ""}, {{"d1", module_album}, true, ""}};
  writer().commit_poll(fourth);
  EXPECT_TRUE(writer().failing_pairs("acc").empty());
}

TEST_F(QueriesTest, BacklogCountsUndeliveredEventsOfTheSinksTypes) {
  commit_three_polls();  // 1 device.added, 2 scope.added, 3 scope.changed, 4 device.removed,
                         // 5 scope.removed
  const std::vector<std::string> every;
  EXPECT_EQ(writer().backlog("never-seen", every), 5);
  const std::vector<std::string> removals{"device.removed", "scope.removed"};
  EXPECT_EQ(writer().backlog("never-seen", removals), 2);
  const std::vector<std::string> audit{"coverage.lost"};
  EXPECT_EQ(writer().backlog("never-seen", audit), 0);

  writer().set_sink_cursor("webhook", 4, t3);
  EXPECT_EQ(writer().backlog("webhook", every), 1);
  EXPECT_EQ(writer().backlog("webhook", removals), 1);
  writer().set_sink_cursor("webhook", 5, t3);
  EXPECT_EQ(writer().backlog("webhook", every), 0);
}

TEST_F(QueriesTest, ReadConsistentlySeesOneCommitAcrossQueries) {
  commit_three_polls();
  Store reader = Store::open_read_only(db_path());
  std::size_t events_before = 0;
  std::size_t events_after = 0;
  std::size_t polls_after = 0;
  reader.read_consistently([&] {
    events_before = reader.history({}).size();
    // Another connection commits a poll with an event in between.
    PollCommit poll = make_poll("acc", at("2026-11-23T07:15:00.000Z"));
    poll.changes = {
        Change{ChangeType::device_changed, "d1", "laptop", std::nullopt, "", laptop, laptop, ""}};
    writer().commit_poll(poll);
    events_after = reader.history({}).size();
    polls_after = reader.recent_polls("acc", 10).size();
  });
  EXPECT_EQ(events_before, 5u);
  EXPECT_EQ(events_after, 5u);
  EXPECT_EQ(polls_after, 3u);
  // Outside the transaction the new commit is visible.
  EXPECT_EQ(reader.history({}).size(), 6u);
  EXPECT_EQ(reader.recent_polls("acc", 10).size(), 4u);
}

}  // namespace
}  // namespace kda::test
