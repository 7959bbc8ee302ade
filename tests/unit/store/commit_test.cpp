#include "store_fixture.hpp"

#include "koodrive_audit/event_json.hpp"

#include <set>

namespace kda::test {
namespace {

// xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lowercase hex. (Not std::regex: GCC 12 warns
// inside it under the sanitizers, and warnings fail the build.)
bool is_uuid_v4(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return text[14] == '4' && std::string_view("89ab").find(text[19]) != std::string_view::npos;
}

class CommitStoreTest : public MigratedStoreTest {
 protected:
  // A first poll of "acc": laptop (folder s1, s2; album s3) and phone (album s4), all seen.
  CommitResult commit_first_poll() {
    PollCommit poll = make_poll("acc", t1);
    poll.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
    poll.scope_writes = {{RowWrite::seen, "d1", s1, 0},
                         {RowWrite::seen, "d1", s2, 0},
                         {RowWrite::seen, "d1", s3, 0},
                         {RowWrite::seen, "d2", s4, 0}};
    poll.changes = {
        Change{ChangeType::device_added, "d2", "phone", std::nullopt, "", {}, phone, ""},
        Change{ChangeType::scope_added, "d2", "phone", module_album, "s4", {}, s4, ""},
    };
    poll.attempts = {{{"d1", module_folder}, true, ""},
                     {{"d1", module_album}, true, ""},
                     {{"d1", module_address_book}, false, "HTTP 503"},
                     {{"d2", module_album}, true, ""}};
    return store().commit_poll(poll);
  }

  const SystemTime t1 = at("2026-11-23T07:00:00.000Z");
  const SystemTime t2 = at("2026-11-23T07:05:00.250Z");
  const SystemTime t3 = at("2026-11-23T07:10:00.500Z");
  const Device laptop = make_device("d1", "laptop");
  const Device phone = make_device("d2", "phone");
  const Scope s1 = make_scope("s1", module_folder, "/home/a");
  const Scope s2 = make_scope("s2", module_folder, "/home/b");
  const Scope s3 = make_scope("s3", module_album, "/DCIM");
  const Scope s4 = make_scope("s4", module_album, "/Camera");
};

TEST_F(CommitStoreTest, CommitThenLoadSnapshotRoundTrips) {
  commit_first_poll();
  const Snapshot snapshot = store().load_snapshot("acc");
  EXPECT_EQ(snapshot.account_id, "acc");
  EXPECT_TRUE(snapshot.device_list_fetched_before);
  EXPECT_EQ(snapshot.devices, (std::map<std::string, DeviceRow>{{"d1", {laptop, 0}},
                                                                {"d2", {phone, 0}}}));
  EXPECT_EQ(snapshot.scopes, (std::map<ScopeKey, ScopeRow>{
                                 {{"d1", module_folder, "s1"}, {"d1", s1, 0}},
                                 {{"d1", module_folder, "s2"}, {"d1", s2, 0}},
                                 {{"d1", module_album, "s3"}, {"d1", s3, 0}},
                                 {{"d2", module_album, "s4"}, {"d2", s4, 0}},
                             }));
  // The failed (d1, 102) fetch is not "fetched".
  EXPECT_EQ(snapshot.fetched_pairs, (std::set<PairKey>{{"d1", module_folder},
                                                       {"d1", module_album},
                                                       {"d2", module_album}}));
}

TEST_F(CommitStoreTest, TheHeadAndThePerPairReadsMakeUpTheSnapshot) {
  const CommitResult first = commit_first_poll();
  const Snapshot full = store().load_snapshot("acc");
  const SnapshotHead head = store().load_snapshot_head("acc");
  EXPECT_TRUE(head.snapshot.scopes.empty());
  EXPECT_EQ(store().live_scope_count("acc"), 4u);
  EXPECT_EQ(store().live_scope_count("other"), 0u);
  EXPECT_EQ(head.newest_poll, first.poll_id);
  EXPECT_EQ(head.snapshot.devices, full.devices);
  EXPECT_EQ(head.snapshot.fetched_pairs, full.fetched_pairs);
  EXPECT_EQ(head.snapshot.pair_failures, full.pair_failures);
  EXPECT_EQ(head.snapshot.device_list_fetched_before, full.device_list_fetched_before);

  EXPECT_EQ(store().live_scopes("acc", std::string("d1")),
            (std::vector<ScopeRow>{{"d1", s1, 0}, {"d1", s2, 0}, {"d1", s3, 0}}));
  EXPECT_EQ(store().live_scopes("acc", PairKey{"d1", module_album}),
            (std::vector<ScopeRow>{{"d1", s3, 0}}));
  EXPECT_TRUE(store().live_scopes("acc", PairKey{"d1", module_address_book}).empty());
  EXPECT_TRUE(store().live_scopes("other", std::string("d1")).empty());
  EXPECT_EQ(store().load_snapshot_head("other").newest_poll, 0);
}

TEST_F(CommitStoreTest, ACommitFromAStaleHeadWritesNothing) {
  commit_first_poll();
  const SnapshotHead head = store().load_snapshot_head("acc");
  // Another process polls the account while this poll fetches.
  store().commit_poll(make_poll("acc", t2));
  const std::string before = dump(db_path());

  PollCommit stale = make_poll("acc", t3);
  stale.scope_writes = {{RowWrite::removed, "d1", s1, 1}};
  stale.changes = {Change{ChangeType::scope_removed, "d1", "laptop", module_folder, "s1", s1, {}, ""}};
  stale.expected_newest_poll = head.newest_poll;
  try {
    store().commit_poll(stale);
    FAIL() << "a stale commit was accepted";
  } catch (const PollConflict& error) {
    EXPECT_NE(std::string(error.what()).find("polled by another process"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(dump(db_path()), before);

  // From a fresh head, the same commit goes through.
  stale.expected_newest_poll = store().load_snapshot_head("acc").newest_poll;
  EXPECT_NO_THROW(store().commit_poll(stale));
}

TEST_F(CommitStoreTest, MissingCountsAndRemovedRows) {
  commit_first_poll();
  PollCommit poll = make_poll("acc", t2);
  poll.device_writes = {{RowWrite::missing, phone, 1}};
  poll.scope_writes = {{RowWrite::removed, "d1", s1, 1}, {RowWrite::missing, "d1", s2, 2}};
  store().commit_poll(poll);

  const Snapshot snapshot = store().load_snapshot("acc");
  EXPECT_EQ(snapshot.devices.at("d2").missing_count, 1);
  EXPECT_EQ(snapshot.devices.at("d1").missing_count, 0);
  EXPECT_FALSE(snapshot.scopes.contains({"d1", module_folder, "s1"}));
  EXPECT_EQ(snapshot.scopes.at({"d1", module_folder, "s2"}).missing_count, 2);
  EXPECT_EQ(snapshot.scopes.size(), 3u);
  EXPECT_EQ(query_text(db_path(), "SELECT removed_at || ' ' || missing_count FROM scopes "
                                  "WHERE scope_id = 's1'"),
            "2026-11-23T07:05:00.250Z 1");
  // A missing row keeps its last sighting.
  EXPECT_EQ(query_text(db_path(), "SELECT last_seen_at FROM scopes WHERE scope_id = 's2'"),
            "2026-11-23T07:00:00.000Z");

  // Removing the device: the removed device is no longer loaded.
  PollCommit removal = make_poll("acc", t3);
  removal.device_writes = {{RowWrite::removed, phone, 2}};
  removal.scope_writes = {{RowWrite::removed, "d2", s4, 0}};
  store().commit_poll(removal);
  const Snapshot after = store().load_snapshot("acc");
  EXPECT_FALSE(after.devices.contains("d2"));
  EXPECT_FALSE(after.scopes.contains({"d2", module_album, "s4"}));
  // ... but the pair it once fetched still counts as fetched (a later comeback is news).
  EXPECT_TRUE(after.fetched_pairs.contains({"d2", module_album}));
}

TEST_F(CommitStoreTest, SeenRowIsUpdatedAndRevivedKeepingFirstSeen) {
  commit_first_poll();
  PollCommit removal = make_poll("acc", t2);
  removal.device_writes = {{RowWrite::removed, phone, 1}};
  removal.scope_writes = {{RowWrite::removed, "d2", s4, 1}};
  store().commit_poll(removal);

  Device renamed = phone;
  renamed.device_name = "phone (new)";
  Scope moved = s4;
  moved.target_folder_path = "/Backup/elsewhere";
  PollCommit comeback = make_poll("acc", t3);
  comeback.device_writes = {{RowWrite::seen, renamed, 0}};
  comeback.scope_writes = {{RowWrite::seen, "d2", moved, 0}};
  store().commit_poll(comeback);

  const Snapshot snapshot = store().load_snapshot("acc");
  EXPECT_EQ(snapshot.devices.at("d2"), (DeviceRow{renamed, 0}));
  EXPECT_EQ(snapshot.scopes.at({"d2", module_album, "s4"}), (ScopeRow{"d2", moved, 0}));
  EXPECT_EQ(query_text(db_path(), "SELECT first_seen_at || ' ' || last_seen_at || ' ' || "
                                  "IFNULL(removed_at, 'live') FROM devices WHERE device_id = 'd2'"),
            "2026-11-23T07:00:00.000Z 2026-11-23T07:10:00.500Z live");
  EXPECT_EQ(query_text(db_path(), "SELECT first_seen_at || ' ' || IFNULL(removed_at, 'live') "
                                  "FROM scopes WHERE scope_id = 's4'"),
            "2026-11-23T07:00:00.000Z live");
}

TEST_F(CommitStoreTest, UnknownAccountHasAnEmptySnapshot) {
  commit_first_poll();
  const Snapshot snapshot = store().load_snapshot("other");
  EXPECT_EQ(snapshot.account_id, "other");
  EXPECT_FALSE(snapshot.device_list_fetched_before);
  EXPECT_TRUE(snapshot.devices.empty());
  EXPECT_TRUE(snapshot.scopes.empty());
  EXPECT_TRUE(snapshot.fetched_pairs.empty());
}

TEST_F(CommitStoreTest, DeviceListFetchedBeforeNeedsAnOkOrPartialPoll) {
  PollCommit failed = make_poll("acc", t1, "failed");
  failed.error = "GET /device: HTTP 503";
  failed.failures = 1;
  store().commit_poll(failed);
  EXPECT_FALSE(store().load_snapshot("acc").device_list_fetched_before);
  EXPECT_EQ(query_text(db_path(), "SELECT outcome || ' ' || error FROM polls"),
            "failed GET /device: HTTP 503");

  store().commit_poll(make_poll("acc", t2, "partial"));
  EXPECT_TRUE(store().load_snapshot("acc").device_list_fetched_before);
  EXPECT_FALSE(store().load_snapshot("other").device_list_fetched_before);
}

TEST_F(CommitStoreTest, PollRowRecordsTheRun) {
  PollCommit poll = make_poll("acc", t1, "partial");
  poll.requests = 301;
  poll.failures = 2;
  poll.changes = {Change{ChangeType::device_added, "d1", "laptop", std::nullopt, "", {}, laptop, ""}};
  poll.device_writes = {{RowWrite::seen, laptop, 0}};
  const CommitResult result = store().commit_poll(poll);
  EXPECT_EQ(result.poll_id, 1);
  EXPECT_EQ(query_text(db_path(),
                       "SELECT poll_id || '|' || account_id || '|' || started_at || '|' || "
                       "finished_at || '|' || outcome || '|' || requests || '|' || failures || "
                       "'|' || events || '|' || IFNULL(error, 'NULL') FROM polls"),
            "1|acc|2026-11-23T06:59:58.000Z|2026-11-23T07:00:00.000Z|partial|301|2|1|NULL");
  EXPECT_EQ(store().commit_poll(make_poll("acc", t2)).poll_id, 2);
}

TEST_F(CommitStoreTest, AccountRowIsUpsertedWithTheLatestName) {
  commit_first_poll();
  PollCommit poll = make_poll("acc", t2);
  poll.account_name = "renamed";
  store().commit_poll(poll);
  EXPECT_EQ(query_text(db_path(), "SELECT name || ' ' || created_at FROM accounts"),
            "renamed 2026-11-23T07:00:00.000Z");
  poll = make_poll("acc", t3);
  poll.account_name.clear();
  store().commit_poll(poll);
  EXPECT_EQ(query_text(db_path(), "SELECT name FROM accounts"), "NULL");
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM accounts"), "1");
}

TEST_F(CommitStoreTest, EventsGetUuidsIncreasingSeqAndTheirRecords) {
  const CommitResult first = commit_first_poll();
  EXPECT_EQ(first.first_seq, 1);
  EXPECT_EQ(first.last_seq, 2);
  ASSERT_EQ(first.event_ids.size(), 2u);

  Scope moved = s3;
  moved.local_path = "/DCIM/Camera";
  PollCommit poll = make_poll("acc", t2);
  poll.device_writes = {{RowWrite::removed, phone, 1}};
  poll.scope_writes = {{RowWrite::seen, "d1", moved, 0}, {RowWrite::removed, "d2", s4, 0}};
  poll.changes = {
      Change{ChangeType::scope_changed, "d1", "laptop", module_album, "s3", s3, moved, ""},
      Change{ChangeType::device_removed, "d2", "phone", std::nullopt, "", phone, {}, ""},
      Change{ChangeType::scope_removed, "d2", "phone", module_album, "s4", s4, {}, "device.removed"},
  };
  const CommitResult second = store().commit_poll(poll);
  EXPECT_EQ(second.first_seq, 3);
  EXPECT_EQ(second.last_seq, 5);

  const std::vector<StoredEvent> events = store().events_after(0, 100);
  ASSERT_EQ(events.size(), 5u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_TRUE(is_uuid_v4(events[i].event_id)) << events[i].event_id;
    ids.insert(events[i].event_id);
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(events[0].event_id, first.event_ids[0]);
  EXPECT_EQ(events[4].event_id, second.event_ids[2]);

  const StoredEvent expected_added{1, first.event_ids[0], 1, "2026-11-23T07:00:00.000Z",
                                   "device.added", "acc", "d2", "phone", std::nullopt, "",
                                   "null", record_to_json(phone), ""};
  EXPECT_EQ(events[0], expected_added);
  const StoredEvent expected_changed{3, second.event_ids[0], 2, "2026-11-23T07:05:00.250Z",
                                     "scope.changed", "acc", "d1", "laptop", module_album, "s3",
                                     record_to_json(s3), record_to_json(moved), ""};
  EXPECT_EQ(events[2], expected_changed);
  EXPECT_EQ(events[4].type, "scope.removed");
  EXPECT_EQ(events[4].cause, "device.removed");
  EXPECT_EQ(events[4].after_json, "null");
  EXPECT_EQ(events[4].before_json, record_to_json(s4));

  // NULL, not 'null' or '', in the table itself.
  EXPECT_EQ(query_text(db_path(), "SELECT IFNULL(before_json, 'NULL') || ' ' || "
                                  "IFNULL(module_code, 'NULL') || ' ' || IFNULL(scope_id, 'NULL') "
                                  "|| ' ' || IFNULL(cause, 'NULL') FROM events WHERE seq = 1"),
            "NULL NULL NULL NULL");
  EXPECT_EQ(query_text(db_path(), "SELECT events FROM polls WHERE poll_id = 2"), "3");
}

TEST_F(CommitStoreTest, PollWithoutChangesHasNoSeq) {
  const CommitResult result = store().commit_poll(make_poll("acc", t1));
  EXPECT_EQ(result.first_seq, 0);
  EXPECT_EQ(result.last_seq, 0);
  EXPECT_TRUE(result.event_ids.empty());
  EXPECT_EQ(store().last_seq(), 0);
}

TEST_F(CommitStoreTest, PollWithoutChangesWritesOnlyTheAccountAndPollRows) {
  commit_first_poll();
  const std::int64_t before = store().total_changes();
  store().commit_poll(make_poll("acc", t2));
  EXPECT_EQ(store().total_changes() - before, 2);
}

TEST_F(CommitStoreTest, SeqIsNeverReusedAfterTheNewestRowIsDeleted) {
  commit_first_poll();  // seq 1, 2
  exec_sql(db_path(), "DELETE FROM events WHERE seq = 2");
  EXPECT_EQ(store().last_seq(), 2);
  PollCommit poll = make_poll("acc", t2);
  poll.changes = {Change{ChangeType::device_changed, "d1", "laptop", std::nullopt, "", laptop,
                         laptop, ""}};
  const CommitResult result = store().commit_poll(poll);
  EXPECT_EQ(result.first_seq, 3);
  EXPECT_EQ(store().last_seq(), 3);
}

TEST_F(CommitStoreTest, EventsAfterPagesInSeqOrder) {
  commit_first_poll();
  PollCommit poll = make_poll("acc", t2);
  for (int i = 0; i < 5; ++i) {
    poll.changes.push_back(Change{ChangeType::device_changed, "d1", "laptop", std::nullopt, "",
                                  laptop, laptop, ""});
  }
  store().commit_poll(poll);  // seq 3..7
  std::vector<std::int64_t> seen;
  std::int64_t cursor = 0;
  for (;;) {
    const auto page = store().events_after(cursor, 3);
    if (page.empty()) break;
    EXPECT_LE(page.size(), 3u);
    for (const auto& e : page) seen.push_back(e.seq);
    cursor = page.back().seq;
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_TRUE(store().events_after(0, 0).empty());
  EXPECT_EQ(store().events_after(5, static_cast<std::size_t>(-1)).size(), 2u);
}

TEST_F(CommitStoreTest, FetchStatusTracksSuccessesAndFailures) {
  commit_first_poll();  // (d1,100) ok, (d1,102) failed at t1
  const auto status = [&](const char* module) {
    return query_text(db_path(),
                      std::string("SELECT last_attempt_at || '|' || IFNULL(last_success_at, 'NULL') "
                                  "|| '|' || consecutive_failures || '|' || IFNULL(last_error, "
                                  "'NULL') FROM fetch_status WHERE device_id = 'd1' AND "
                                  "module_code = ") + module);
  };
  EXPECT_EQ(status("100"), "2026-11-23T07:00:00.000Z|2026-11-23T07:00:00.000Z|0|NULL");
  EXPECT_EQ(status("102"), "2026-11-23T07:00:00.000Z|NULL|1|HTTP 503");

  PollCommit poll = make_poll("acc", t2, "partial");
  poll.attempts = {{{"d1", module_folder}, false, "timeout"},
                   {{"d1", module_address_book}, false, "HTTP 429"}};
  store().commit_poll(poll);
  // A failure keeps the last success.
  EXPECT_EQ(status("100"), "2026-11-23T07:05:00.250Z|2026-11-23T07:00:00.000Z|1|timeout");
  EXPECT_EQ(status("102"), "2026-11-23T07:05:00.250Z|NULL|2|HTTP 429");

  poll = make_poll("acc", t3);
  poll.attempts = {{{"d1", module_address_book}, true, ""}};
  store().commit_poll(poll);
  // A success resets the streak.
  EXPECT_EQ(status("102"), "2026-11-23T07:10:00.500Z|2026-11-23T07:10:00.500Z|0|NULL");
  EXPECT_TRUE(store().load_snapshot("acc").fetched_pairs.contains({"d1", module_address_book}));
}

TEST_F(CommitStoreTest, IdsBeyondTwoToThe53AreKeptExactly) {
  const std::string account = "1505084218764547200";
  const std::string device_id = "9007199254740993";            // 2^53 + 1
  const std::string scope_id = "123456789012345678901234567";  // beyond 2^64
  Device device = make_device(device_id);
  Scope scope = make_scope(scope_id, module_folder);
  PollCommit poll = make_poll(account, t1);
  poll.device_writes = {{RowWrite::seen, device, 0}};
  poll.scope_writes = {{RowWrite::seen, device_id, scope, 0}};
  poll.changes = {Change{ChangeType::scope_added, device_id, "laptop", module_folder, scope_id,
                         {}, scope, ""}};
  poll.attempts = {{{device_id, module_folder}, true, ""}};
  store().commit_poll(poll);

  const Snapshot snapshot = store().load_snapshot(account);
  EXPECT_EQ(snapshot.devices.at(device_id).device.device_id, device_id);
  EXPECT_EQ(snapshot.scopes.at({device_id, module_folder, scope_id}).scope.scope_id, scope_id);
  EXPECT_TRUE(snapshot.fetched_pairs.contains({device_id, module_folder}));
  const auto events = store().events_after(0, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].account_id, account);
  EXPECT_EQ(events[0].device_id, device_id);
  EXPECT_EQ(events[0].scope_id, scope_id);
  EXPECT_NE(events[0].after_json.find("\"scope_id\":\"" + scope_id + "\""), std::string::npos);
  // Stored as text, never as a (rounded) number.
  EXPECT_EQ(query_text(db_path(), "SELECT typeof(account_id) || typeof(device_id) FROM devices"),
            "texttext");
  EXPECT_EQ(query_text(db_path(), "SELECT typeof(scope_id) || ' ' || scope_id FROM scopes"),
            "text " + scope_id);
}

TEST_F(CommitStoreTest, WriteForARowThatDoesNotExistIsRefused) {
  commit_first_poll();
  const std::string before = dump(db_path());
  PollCommit poll = make_poll("acc", t2);
  poll.device_writes = {{RowWrite::missing, make_device("nope"), 1}};
  EXPECT_THROW(store().commit_poll(poll), StoreError);
  poll.device_writes.clear();
  poll.scope_writes = {{RowWrite::removed, "d1", make_scope("nope", module_folder), 1}};
  EXPECT_THROW(store().commit_poll(poll), StoreError);
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(CommitStoreTest, InvalidPollsAreRefusedBeforeWriting) {
  const std::string before = dump(db_path());
  PollCommit unknown_outcome = make_poll("acc", t1, "fine");
  EXPECT_THROW(store().commit_poll(unknown_outcome), StoreError);
  PollCommit failed_with_writes = make_poll("acc", t1, "failed");
  failed_with_writes.device_writes = {{RowWrite::seen, laptop, 0}};
  EXPECT_THROW(store().commit_poll(failed_with_writes), StoreError);
  PollCommit failed_with_whole_pair = make_poll("acc", t1, "failed");
  failed_with_whole_pair.new_pair_scopes.add_pair({"d1", module_folder});
  failed_with_whole_pair.new_pair_scopes.add_scope(s1);
  EXPECT_THROW(store().commit_poll(failed_with_whole_pair), StoreError);
  PollCommit no_account = make_poll("", t1);
  EXPECT_THROW(store().commit_poll(no_account), StoreError);
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(CommitStoreTest, FailedPollMayRecordAnAuditEventButNoConfigurationChange) {
  PollCommit failed = make_poll("acc", t1, "failed");
  failed.error = "GET /koodrive/ose/v1/backup/device: HTTP 503";
  Change lost;
  lost.type = ChangeType::coverage_lost;
  lost.after = AuditDetail{R"({"target":"device_list","consecutive_failures":3})"};
  failed.changes = {lost};
  const CommitResult result = store().commit_poll(failed);
  ASSERT_EQ(result.event_ids.size(), 1u);
  const std::vector<StoredEvent> events = store().events_after(0, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "coverage.lost");
  EXPECT_EQ(events[0].device_id, "");
  EXPECT_EQ(events[0].before_json, "null");
  EXPECT_EQ(events[0].after_json, std::get<AuditDetail>(lost.after).json);

  const std::string before = dump(db_path());
  PollCommit failed_with_change = make_poll("acc", t2, "failed");
  failed_with_change.changes = {
      Change{ChangeType::device_added, "d2", "phone", std::nullopt, "", {}, phone, ""}};
  EXPECT_THROW(store().commit_poll(failed_with_change), StoreError);
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(CommitStoreTest, SnapshotCarriesTheFailureStreaksForCoverage) {
  commit_first_poll();  // d1/102 failed once
  Snapshot snapshot = store().load_snapshot("acc");
  EXPECT_EQ(snapshot.pair_failures, (std::map<PairKey, int>{{{"d1", module_address_book}, 1}}));
  EXPECT_EQ(snapshot.device_list_failures, 0);

  store().commit_poll(make_poll("acc", t2, "failed"));
  store().commit_poll(make_poll("acc", t3, "failed"));
  snapshot = store().load_snapshot("acc");
  EXPECT_EQ(snapshot.device_list_failures, 2);
  EXPECT_EQ(store().load_snapshot("other").device_list_failures, 0);

  PollCommit ok = make_poll("acc", at("2026-11-23T07:15:00.000Z"));
  ok.attempts = {{{"d1", module_address_book}, true, ""}};
  store().commit_poll(ok);
  snapshot = store().load_snapshot("acc");
  EXPECT_EQ(snapshot.device_list_failures, 0);
  EXPECT_TRUE(snapshot.pair_failures.empty());
}

TEST_F(CommitStoreTest, SinkCursors) {
  EXPECT_EQ(store().sink_cursor("webhook"), 0);
  store().set_sink_cursor("webhook", 42, t1);
  store().set_sink_cursor("jsonl", 7, t1);
  store().set_sink_cursor("webhook", 43, t2);
  EXPECT_EQ(store().sink_cursor("webhook"), 43);
  EXPECT_EQ(store().sink_cursor("jsonl"), 7);
  EXPECT_EQ(query_text(db_path(), "SELECT updated_at FROM sink_cursors WHERE sink = 'webhook'"),
            "2026-11-23T07:05:00.250Z");
  EXPECT_THROW(store().set_sink_cursor("webhook", -1, t3), StoreError);
  EXPECT_THROW(store().set_sink_cursor("", 1, t3), StoreError);
  EXPECT_EQ(store().sink_cursor("webhook"), 43);
}

TEST_F(CommitStoreTest, ViewsShowLiveScopesAndScopeHistory) {
  commit_first_poll();
  PollCommit poll = make_poll("acc", t2);
  poll.scope_writes = {{RowWrite::removed, "d1", s1, 1}};
  poll.changes = {Change{ChangeType::scope_removed, "d1", "laptop", module_folder, "s1", s1, {}, ""}};
  store().commit_poll(poll);

  EXPECT_EQ(query_text(db_path(), "SELECT group_concat(device_name || ':' || module || ':' || "
                                  "scope_id, ',') FROM (SELECT * FROM current_scopes "
                                  "ORDER BY device_id, module_code, scope_id)"),
            "laptop:folder:s2,laptop:album:s3,phone:album:s4");
  EXPECT_EQ(query_text(db_path(), "SELECT group_concat(seq || ':' || type || ':' || device_name "
                                  "|| ':' || module, ',') FROM scope_history"),
            "2:scope.added:phone:album,3:scope.removed:laptop:folder");
}

}  // namespace
}  // namespace kda::test
