// Store::prune (database.retention): what goes, what never goes, and that verify still checks
// everything kept, and still catches tampering, after a prune.
#include "store_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kda::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string joined(const VerifyReport& report) {
  std::string out;
  for (const VerifyProblem& p : report.problems) out += p.text + "\n";
  return out;
}

std::vector<std::string> texts(const VerifyReport& report) {
  std::vector<std::string> out;
  for (const VerifyProblem& p : report.problems) out.push_back(p.text);
  return out;
}

Change device_change(ChangeType type, const Device& d, Record before, Record after) {
  return Change{type, d.device_id, d.device_name, std::nullopt, "", std::move(before),
                std::move(after), ""};
}
Change scope_change(ChangeType type, const std::string& device_id, const Scope& s, Record before,
                    Record after, std::string cause = "") {
  return Change{type, device_id, "", s.module_code, s.scope_id, std::move(before),
                std::move(after), std::move(cause)};
}
Change audit(ChangeType type, std::string json) {
  return Change{type, "", "", std::nullopt, "", {}, AuditDetail{std::move(json)}, ""};
}

// One poll a day, Nov 1 to Nov 6 (verify_test's history, spread out):
//  1 (ok, baselines only): laptop d1 (s1, s2; album empty), phone d2 (s3).   baselines 1-4
//  2: laptop renamed, s1 moved, tablet d3 added with s5, printer d4 added; d1's address book
//     baselined (s4).                                                        seq 1-5, baseline 5
//  3: phone removed (cascade s3), printer removed, s2 removed, s6 added.     seq 6-11
//  4: phone re-added with s3; tablet and s5 missing; mass-removal guard.     seq 12-14
//  5 (failed): coverage lost.                                                seq 15
//  6: coverage restored, tablet seen again.                                  seq 16
class PruneTest : public MigratedStoreTest {
 protected:
  const Device laptop{"d1", "m1", "Laptop", "windows", "2025-09-15"};
  const Device phone{"d2", "m2", "Phone", "android", "2025-12-17"};
  const Device tablet{"d3", "m3", "Tablet", "ipados", "2025-12-18"};
  const Device printer{"d4", "m4", "Printer", "linux", "2025-12-18"};
  const Scope docs{"s1", module_folder, "/Docs", "/backup/Docs", "2025-12-17"};
  const Scope pictures{"s2", module_folder, "/Pictures", "/backup/Pictures", "2025-12-17"};
  const Scope camera{"s3", module_album, "/DCIM", "/backup/DCIM", "2025-12-17"};
  const Scope contacts{"s4", module_address_book, "/contacts", "/backup/contacts", "2025-12-17"};
  const Scope notes{"s5", module_folder, "/Notes", "/backup/Notes", "2025-12-18"};
  const Scope journal{"s6", module_address_book, "/journal", "/backup/journal", "2025-12-18"};

  void commit_history() {
    Store& s = store();
    PollCommit p1 = make_poll("acc", at("2026-11-01T07:00:00.000Z"));
    p1.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
    p1.scope_writes = {{RowWrite::seen, "d1", docs, 0},
                       {RowWrite::seen, "d1", pictures, 0},
                       {RowWrite::seen, "d2", camera, 0}};
    p1.attempts = {{{"d1", module_folder}, true, ""},
                   {{"d1", module_album}, true, ""},
                   {{"d2", module_album}, true, ""}};
    p1.device_list_baseline = true;
    p1.baseline_pairs = {{"d1", module_folder}, {"d1", module_album}, {"d2", module_album}};
    s.commit_poll(p1);

    Device work = laptop;
    work.device_name = "Work laptop";
    Scope moved = docs;
    moved.local_path = "/Work";
    PollCommit p2 = make_poll("acc", at("2026-11-02T07:00:00.000Z"));
    p2.device_writes = {{RowWrite::seen, work, 0}, {RowWrite::seen, tablet, 0},
                        {RowWrite::seen, printer, 0}};
    p2.scope_writes = {{RowWrite::seen, "d1", moved, 0},
                       {RowWrite::seen, "d1", contacts, 0},
                       {RowWrite::seen, "d3", notes, 0}};
    p2.changes = {device_change(ChangeType::device_changed, work, laptop, work),
                  device_change(ChangeType::device_added, tablet, {}, tablet),
                  device_change(ChangeType::device_added, printer, {}, printer),
                  scope_change(ChangeType::scope_changed, "d1", moved, docs, moved),
                  scope_change(ChangeType::scope_added, "d3", notes, {}, notes)};
    p2.attempts = {{{"d1", module_address_book}, true, ""},
                   {{"d3", module_folder}, true, ""},
                   {{"d4", module_folder}, true, ""}};
    p2.baseline_pairs = {{"d1", module_address_book}};
    s.commit_poll(p2);

    PollCommit p3 = make_poll("acc", at("2026-11-03T07:00:00.000Z"));
    p3.device_writes = {{RowWrite::removed, phone, 1}, {RowWrite::removed, printer, 1}};
    p3.scope_writes = {{RowWrite::removed, "d1", pictures, 1},
                       {RowWrite::seen, "d1", journal, 0},
                       {RowWrite::removed, "d2", camera, 0}};
    p3.changes = {device_change(ChangeType::device_removed, phone, phone, {}),
                  device_change(ChangeType::device_removed, printer, printer, {}),
                  scope_change(ChangeType::scope_removed, "d2", camera, camera, {}, "device.removed"),
                  scope_change(ChangeType::scope_removed, "d1", pictures, pictures, {}),
                  scope_change(ChangeType::scope_added, "d1", journal, {}, journal),
                  audit(ChangeType::suspect_mass_removal, R"({"held":0})")};
    s.commit_poll(p3);

    PollCommit p4 = make_poll("acc", at("2026-11-04T07:00:00.000Z"));
    p4.device_writes = {{RowWrite::seen, phone, 0}, {RowWrite::missing, tablet, 1}};
    p4.scope_writes = {{RowWrite::seen, "d2", camera, 0}, {RowWrite::missing, "d3", notes, 1}};
    p4.changes = {device_change(ChangeType::device_added, phone, {}, phone),
                  scope_change(ChangeType::scope_added, "d2", camera, {}, camera),
                  audit(ChangeType::suspect_mass_removal, R"({"held":2})")};
    s.commit_poll(p4);

    PollCommit p5 = make_poll("acc", at("2026-11-05T07:00:00.000Z"), "failed");
    p5.error = "device list: HTTP 503";
    p5.changes = {audit(ChangeType::coverage_lost, R"({"reason":"device list: HTTP 503"})")};
    s.commit_poll(p5);

    PollCommit p6 = make_poll("acc", at("2026-11-06T07:00:00.000Z"));
    p6.device_writes = {{RowWrite::seen, tablet, 0}};
    p6.scope_writes = {{RowWrite::seen, "d3", notes, 0}};
    p6.changes = {audit(ChangeType::coverage_restored, R"({"lost_at":"2026-11-05T07:00:00.000Z"})")};
    s.commit_poll(p6);
  }

  // A later poll: s5 moves.
  void commit_later_poll(const char* finished) {
    Scope moved = notes;
    moved.local_path = std::string("/Notes ") + finished;
    const Scope before = current_notes_;
    PollCommit p = make_poll("acc", at(finished));
    p.scope_writes = {{RowWrite::seen, "d3", moved, 0}};
    p.changes = {scope_change(ChangeType::scope_changed, "d3", moved, before, moved)};
    store().commit_poll(p);
    current_notes_ = moved;
  }

  PruneReport prune(const char* cutoff, std::vector<std::string> sinks = {}, bool dry_run = false) {
    return store().prune(PruneRequest{at(cutoff), at("2026-12-01T00:00:00.000Z"),
                                      std::move(sinks), dry_run});
  }

  VerifyReport verify() { return Store::open_read_only(db_path()).verify(); }

  std::string live_rows() {
    return query_text(db_path(),
                      "SELECT group_concat(r, ';') FROM (SELECT account_id || device_id || "
                      "device_name || last_seen_at || missing_count AS r FROM devices WHERE "
                      "removed_at IS NULL UNION ALL SELECT account_id || device_id || module_code "
                      "|| scope_id || local_path || last_seen_at || missing_count FROM scopes "
                      "WHERE removed_at IS NULL ORDER BY 1)");
  }

  Scope current_notes_ = notes;
};

TEST_F(PruneTest, TheHistoryBeforeTheCutoffGoesAndVerifyStillPasses) {
  commit_history();
  const PruneReport report = prune("2026-11-03T00:00:00.000Z");
  EXPECT_EQ(report.events, 5);      // poll 2's
  EXPECT_EQ(report.baselines, 5);   // poll 1's four, poll 2's one
  EXPECT_EQ(report.polls, 2);
  EXPECT_EQ(report.through_seq, 5);
  EXPECT_EQ(report.held_by_sink, "");
  EXPECT_EQ(query_text(db_path(), "SELECT min(seq) || '-' || max(seq) FROM events"), "6-16");
  EXPECT_EQ(query_text(db_path(), "SELECT group_concat(poll_id) FROM polls"), "3,4,5,6");
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM baselines"), "0");

  const VerifyReport verified = verify();
  EXPECT_TRUE(verified.ok()) << joined(verified);
  EXPECT_EQ(verified.events, 11);
  EXPECT_EQ(verified.devices, 3);
  EXPECT_EQ(verified.scopes, 5);
}

TEST_F(PruneTest, NewPollsAfterAPruneVerifyAndSoDoesAPruneOfEverything) {
  commit_history();
  prune("2026-11-03T00:00:00.000Z");
  commit_later_poll("2026-11-07T07:00:00.000Z");
  EXPECT_TRUE(verify().ok()) << joined(verify());

  // Everything before Dec: every event goes; the account's newest ok poll stays.
  const PruneReport all = prune("2026-12-01T00:00:00.000Z");
  EXPECT_EQ(all.events, 12);
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM events"), "0");
  EXPECT_EQ(query_text(db_path(), "SELECT group_concat(poll_id) FROM polls"), "7");
  VerifyReport verified = verify();
  EXPECT_TRUE(verified.ok()) << joined(verified);
  EXPECT_EQ(verified.events, 0);

  // The chain continues from the checkpoint.
  commit_later_poll("2026-12-02T07:00:00.000Z");
  verified = verify();
  EXPECT_TRUE(verified.ok()) << joined(verified);
  EXPECT_EQ(verified.events, 1);
  EXPECT_EQ(verified.scopes, 5);
  EXPECT_EQ(query_text(db_path(), "SELECT prev_hash = (SELECT through_seq_hash FROM "
                                  "retention_checkpoint) FROM events"),
            "1");
}

TEST_F(PruneTest, LiveRowsAreNeverTouchedRemovedOnesGoWhenNothingNamesThem) {
  commit_history();
  const std::string live = live_rows();
  const PruneReport report = prune("2026-12-01T00:00:00.000Z");
  EXPECT_EQ(live_rows(), live);
  // s2 (removed Nov 3) and the printer d4 with its fetch_status row; the phone came back.
  EXPECT_EQ(report.scopes, 1);
  EXPECT_EQ(report.devices, 1);
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM devices WHERE device_id = 'd4'"), "0");
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM fetch_status WHERE device_id = 'd4'"), "0");
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM scopes WHERE removed_at IS NOT NULL"), "0");
  EXPECT_TRUE(verify().ok()) << joined(verify());
}

TEST_F(PruneTest, AnEventAConfiguredSinkHasNotDeliveredStaysAndSoDoesEverythingAfterIt) {
  commit_history();
  store().set_sink_cursor("jsonl", 7, at("2026-11-06T08:00:00.000Z"));  // inside poll 3
  store().set_sink_cursor("gone", 0, at("2026-11-06T08:00:00.000Z"));   // not configured

  PruneReport report = prune("2026-12-01T00:00:00.000Z", {"jsonl", "never-delivered"});
  EXPECT_EQ(report.events, 0);
  EXPECT_EQ(report.held_by_sink, "never-delivered");
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM events"), "16");

  report = prune("2026-12-01T00:00:00.000Z", {"jsonl"});
  EXPECT_EQ(report.events, 5);  // poll 2 only: poll 3 has seq 8..11 undelivered
  EXPECT_EQ(report.held_by_sink, "jsonl");
  EXPECT_EQ(query_text(db_path(), "SELECT min(seq) FROM events"), "6");
  EXPECT_TRUE(verify().ok()) << joined(verify());
}

TEST_F(PruneTest, PollsNamedByKeptEventsStayAndTheLastSuccessfulPollToo) {
  commit_history();
  store().set_sink_cursor("jsonl", 5, at("2026-11-06T08:00:00.000Z"));
  prune("2026-12-01T00:00:00.000Z", {"jsonl"});
  // Polls 3-6 have kept events; 1 and 2 had none left.
  EXPECT_EQ(query_text(db_path(), "SELECT group_concat(poll_id) FROM polls"), "3,4,5,6");
  const Snapshot snapshot = store().load_snapshot("acc");
  EXPECT_TRUE(snapshot.device_list_fetched_before);
}

TEST_F(PruneTest, ADeviceWhoseAddedEventWasPrunedIsStillAnnounced) {
  commit_history();
  ASSERT_TRUE(store().load_snapshot("acc").announced_devices.contains("d3"));
  prune("2026-12-01T00:00:00.000Z");
  const Snapshot snapshot = store().load_snapshot("acc");
  EXPECT_TRUE(snapshot.announced_devices.contains("d3"));  // device.added seq 2
  EXPECT_TRUE(snapshot.announced_devices.contains("d2"));  // re-added in poll 4
  EXPECT_FALSE(snapshot.announced_devices.contains("d1"));  // baselined silently
}

TEST_F(PruneTest, PruningTwiceDeletesNothingMore) {
  commit_history();
  prune("2026-11-04T00:00:00.000Z");
  const std::string after_first = dump(db_path());
  const PruneReport second = prune("2026-11-04T00:00:00.000Z");
  EXPECT_EQ(second, (PruneReport{0, 0, 0, 0, 0, 11, ""}));
  EXPECT_EQ(dump(db_path()), after_first);
}

TEST_F(PruneTest, ACutoffBeforeEverythingPrunesNothing) {
  commit_history();
  const std::string before = dump(db_path());
  const PruneReport report = prune("2026-10-01T00:00:00.000Z");
  EXPECT_EQ(report, PruneReport{});
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(PruneTest, ADryRunCountsAndChangesNothing) {
  commit_history();
  const std::string before = dump(db_path());
  const PruneReport report = prune("2026-11-03T00:00:00.000Z", {}, true);
  EXPECT_EQ(report.events, 5);
  EXPECT_EQ(report.polls, 2);
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(PruneTest, TamperingWithAKeptEventIsStillCaught) {
  commit_history();
  prune("2026-11-03T00:00:00.000Z");
  exec_sql(db_path(), "UPDATE events SET after_json = replace(after_json, '/journal', '/tmp') "
                      "WHERE seq = 10");
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 10) << joined(report);
}

TEST_F(PruneTest, DeletingTheFirstKeptEventIsStillCaught) {
  commit_history();
  prune("2026-11-03T00:00:00.000Z");
  exec_sql(db_path(), "DELETE FROM events WHERE seq = 6");
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 6);
  EXPECT_THAT(texts(report), Contains("seq 6: missing (deleted): the chain goes from the retention "
                                      "checkpoint (seq 5) to seq 7"));
}

TEST_F(PruneTest, DeletingEveryKeptEventIsStillCaught) {
  commit_history();
  prune("2026-11-03T00:00:00.000Z");
  exec_sql(db_path(), "DELETE FROM events");
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 6) << joined(report);
}

TEST_F(PruneTest, TamperingWithTheCheckpointIsCaught) {
  commit_history();
  prune("2026-11-03T00:00:00.000Z");
  exec_sql(db_path(), "UPDATE retention_state SET records_json = replace(records_json, "
                      "'/Work', '/Tmp')");
  VerifyReport report = verify();
  EXPECT_THAT(texts(report), Contains(HasSubstr("retention_state: its rows do not hash")));

  exec_sql(db_path(), "UPDATE retention_state SET records_json = replace(records_json, "
                      "'/Tmp', '/Work')");
  ASSERT_TRUE(verify().ok()) << joined(verify());
  exec_sql(db_path(), "UPDATE retention_checkpoint SET through_seq_hash = "
                      "(SELECT hash FROM events WHERE seq = 6)");
  report = verify();
  EXPECT_THAT(texts(report), Contains("seq 6: prev_hash does not match the hash "
                                      "retention_checkpoint recorded for seq 5, the last pruned row"));
}

TEST_F(PruneTest, AHistoryThatDoesNotVerifyIsNotPruned) {
  commit_history();
  exec_sql(db_path(), "UPDATE events SET cause = 'edited' WHERE seq = 3");
  const std::string before = dump(db_path());
  try {
    prune("2026-11-03T00:00:00.000Z");
    FAIL() << "prune accepted a tampered history";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("retention: refusing to prune"));
    EXPECT_THAT(e.what(), HasSubstr("seq 3: hash does not match"));
  }
  EXPECT_EQ(dump(db_path()), before);
}

TEST_F(PruneTest, TheFileShrinksWithIncrementalVacuum) {
  ASSERT_TRUE(store().incremental_vacuum_enabled());
  // 300 polls with an event of 4 KiB of path each.
  const Device big{"d1", "m1", std::string(4000, 'x'), "windows", "2025-09-15"};
  PollCommit first = make_poll("acc", at("2026-11-01T00:00:00.000Z"));
  first.device_writes = {{RowWrite::seen, big, 0}};
  first.changes = {device_change(ChangeType::device_added, big, {}, big)};
  store().commit_poll(first);
  Device current = big;
  for (int i = 1; i < 300; ++i) {
    Device next = current;
    next.device_name[static_cast<std::size_t>(i % 4000)] = 'y';
    next.machine_code = "m" + std::to_string(i);
    PollCommit p = make_poll("acc", at("2026-11-01T00:00:00.000Z") + std::chrono::minutes(i));
    p.device_writes = {{RowWrite::seen, next, 0}};
    p.changes = {device_change(ChangeType::device_changed, next, current, next)};
    store().commit_poll(p);
    current = next;
  }
  const auto pages = [&] { return std::stoll(query_text(db_path(), "PRAGMA page_count")); };
  const long long before = pages();
  const PruneReport report = prune("2026-11-02T00:00:00.000Z");
  EXPECT_EQ(report.events, 300);
  EXPECT_EQ(report.polls, 299);  // the newest is the account's last ok poll: its row stays
  EXPECT_GT(std::stoll(query_text(db_path(), "PRAGMA freelist_count")), 100);
  std::int64_t freed = 0;
  while (const std::int64_t step = store().reclaim_space(50)) {
    EXPECT_LE(step, 50);
    freed += step;
  }
  EXPECT_GT(freed, 100);
  EXPECT_EQ(query_text(db_path(), "PRAGMA freelist_count"), "0");
  EXPECT_LT(pages(), before - 100);
  EXPECT_TRUE(verify().ok()) << joined(verify());
}

}  // namespace
}  // namespace kda::test
