// commit_poll writes the hash chains (DESIGN.md §5 rule 8): each event links to the one before
// it across polls, and a silent baseline leaves a baselines row that verify can replay.
#include "store_fixture.hpp"

#include "koodrive_audit/event_json.hpp"
#include "store/chain_hash.hpp"
#include "store/chain_rows.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <vector>

namespace kda::test {
namespace {

using store::ChainValue;

struct ChainRow {
  std::int64_t id = 0;
  std::string prev_hash;
  std::string hash;
  std::string recomputed;  // chain_hash(prev_hash, the row's columns as stored)
};

// Every row of a chain, with its hash recomputed from the stored columns.
std::vector<ChainRow> chain_of(const std::filesystem::path& db_path, const std::string& table) {
  const bool events = table == "events";
  const std::string columns(events ? store::event_chain_columns : store::baseline_chain_columns);
  const int count = events ? store::event_chain_column_count : store::baseline_chain_column_count;
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT " + columns + ", prev_hash, hash FROM " + table + " ORDER BY " +
                              (events ? "seq" : "baseline_id"));
  std::vector<ChainRow> rows;
  while (q.executeStep()) {
    std::vector<ChainValue> values;
    for (int i = 0; i < count; ++i) values.push_back(*store::stored_chain_value(q.getColumn(i)));
    ChainRow row{q.getColumn(0).getInt64(), q.getColumn(count).getString(),
                 q.getColumn(count + 1).getString(), ""};
    row.recomputed = store::chain_hash(row.prev_hash, values);
    rows.push_back(std::move(row));
  }
  return rows;
}

void expect_linked(const std::vector<ChainRow>& rows) {
  std::string prev(store::genesis_hash);
  for (const ChainRow& row : rows) {
    SCOPED_TRACE("row " + std::to_string(row.id));
    EXPECT_EQ(row.prev_hash, prev);
    EXPECT_EQ(row.hash, row.recomputed);
    EXPECT_EQ(row.hash.size(), 64u);
    prev = row.hash;
  }
}

class ChainCommitTest : public StoreTest {
 protected:
  const Device laptop = make_device("d1", "laptop");
  const Device phone = make_device("d2", "phone");
  const Scope s1 = make_scope("s1", module_folder, "/home/a");
  const Scope s2 = make_scope("s2", module_folder, "/home/b");
  const Scope s3 = make_scope("s3", module_album, "/DCIM");

  // The account's first poll, recorded silently: the device list and three pairs.
  PollCommit silent_baseline() const {
    PollCommit poll = make_poll("acc", at("2026-11-23T07:00:00.000Z"));
    poll.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
    poll.scope_writes = {{RowWrite::seen, "d1", s1, 0},
                         {RowWrite::seen, "d1", s2, 0},
                         {RowWrite::seen, "d2", s3, 0}};
    poll.attempts = {{{"d1", module_folder}, true, ""},
                     {{"d1", module_album}, true, ""},
                     {{"d2", module_album}, true, ""}};
    poll.device_list_baseline = true;
    poll.baseline_pairs = {{"d1", module_folder}, {"d1", module_album}, {"d2", module_album}};
    return poll;
  }
};

TEST_F(ChainCommitTest, EventsFormOneChainAcrossPolls) {
  Store store = open_migrated();
  PollCommit first = make_poll("acc", at("2026-11-23T07:00:00.000Z"));
  first.device_writes = {{RowWrite::seen, laptop, 0}};
  first.scope_writes = {{RowWrite::seen, "d1", s1, 0}};
  first.changes = {Change{ChangeType::device_added, "d1", "laptop", std::nullopt, "", {}, laptop, ""},
                   Change{ChangeType::scope_added, "d1", "laptop", module_folder, "s1", {}, s1, ""}};
  EXPECT_EQ(store.commit_poll(first).last_seq, 2);
  store.commit_poll(make_poll("acc", at("2026-11-23T07:05:00.000Z")));  // no event
  PollCommit third = make_poll("acc", at("2026-11-23T07:10:00.000Z"));
  third.scope_writes = {{RowWrite::removed, "d1", s1, 1}};
  third.changes = {Change{ChangeType::scope_removed, "d1", "laptop", module_folder, "s1", s1, {}, ""}};
  const CommitResult result = store.commit_poll(third);
  EXPECT_EQ(result.first_seq, 3);
  EXPECT_EQ(result.last_seq, 3);

  const std::vector<ChainRow> rows = chain_of(db_path(), "events");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].id, 3);
  expect_linked(rows);
  // AUTOINCREMENT's high-water mark follows the explicit seqs.
  EXPECT_EQ(store.last_seq(), 3);
}

TEST_F(ChainCommitTest, ASeqIsNeverReusedAndTheChainContinuesFromTheNewestRow) {
  Store store = open_migrated();
  PollCommit first = make_poll("acc", at("2026-11-23T07:00:00.000Z"));
  first.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
  first.changes = {Change{ChangeType::device_added, "d1", "laptop", std::nullopt, "", {}, laptop, ""},
                   Change{ChangeType::device_added, "d2", "phone", std::nullopt, "", {}, phone, ""}};
  store.commit_poll(first);
  const std::string hash_of_1 = query_text(db_path(), "SELECT hash FROM events WHERE seq = 1");
  exec_sql(db_path(), "DELETE FROM events WHERE seq = 2");

  PollCommit second = make_poll("acc", at("2026-11-23T07:05:00.000Z"));
  second.device_writes = {{RowWrite::removed, phone, 1}};
  second.changes = {Change{ChangeType::device_removed, "d2", "phone", std::nullopt, "", phone, {}, ""}};
  EXPECT_EQ(store.commit_poll(second).first_seq, 3);
  EXPECT_EQ(query_text(db_path(), "SELECT prev_hash FROM events WHERE seq = 3"), hash_of_1);
}

TEST_F(ChainCommitTest, ASilentBaselineRecordsTheDeviceListAndEachPair) {
  Store store = open_migrated();
  const CommitResult result = store.commit_poll(silent_baseline());
  EXPECT_EQ(result.first_seq, 0);
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM events"), "0");

  SQLite::Database db(db_path().string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT baseline_id, poll_id, observed_at, account_id, "
                      "IFNULL(device_id, 'NULL'), IFNULL(module_code, 'NULL'), records_json "
                      "FROM baselines ORDER BY baseline_id");
  std::vector<std::string> rows;
  while (q.executeStep()) {
    std::string row;
    for (int i = 0; i < 7; ++i) row += (i ? "|" : "") + q.getColumn(i).getString();
    rows.push_back(row);
  }
  const std::string t = "|1|2026-11-23T07:00:00.000Z|acc|";
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "1" + t + "NULL|NULL|[" + record_to_json(laptop) + "," +
                          record_to_json(phone) + "]",
                      "2" + t + "d1|100|[" + record_to_json(s1) + "," + record_to_json(s2) + "]",
                      "3" + t + "d1|101|[]",  // fetched, nothing configured: still a baseline
                      "4" + t + "d2|101|[" + record_to_json(s3) + "]"}));
  expect_linked(chain_of(db_path(), "baselines"));
}

// The poll cycle hands a first fetch's new scopes over a pair at a time (new_pair_scopes); the
// rows, the baselines and their chain must be those of the same scopes given one write each.
TEST_F(ChainCommitTest, PairsGivenWholeWriteWhatTheirScopeWritesWould) {
  const auto rows_of = [](const std::filesystem::path& db) {
    return query_text(db, "SELECT group_concat(r, ' ') FROM (SELECT device_id || '/' || "
                          "module_code || '/' || scope_id || '/' || local_path || '/' || "
                          "target_folder_path || '/' || create_time || '/' || first_seen_at || "
                          "'/' || last_seen_at || '/' || missing_count AS r "
                          "FROM scopes ORDER BY device_id, module_code, scope_id)") +
           "\n" +
           query_text(db, "SELECT group_concat(r, ' ') FROM (SELECT baseline_id || '/' || "
                          "IFNULL(device_id, '-') || '/' || IFNULL(module_code, '-') || '/' || "
                          "records_json || '/' || hash AS r FROM baselines ORDER BY baseline_id)");
  };
  {
    Store one_by_one = open_migrated();
    one_by_one.commit_poll(silent_baseline());
  }
  const std::filesystem::path whole_db = dir_ / "whole.db";
  {
    Store whole = Store::open(whole_db, {});
    whole.migrate();
    PollCommit poll = silent_baseline();
    // (d1, 100) whole, (d2, 101) as a write: the two lists are merged by pair.
    poll.scope_writes = {{RowWrite::seen, "d2", s3, 0}};
    poll.new_pair_scopes.add_pair({"d1", module_folder});
    poll.new_pair_scopes.add_scope(s1);
    poll.new_pair_scopes.add_scope(s2);
    whole.commit_poll(poll);
  }
  const std::string expected = rows_of(db_path());
  ASSERT_NE(expected.find("d1/100/s2"), std::string::npos) << expected;
  EXPECT_EQ(rows_of(whole_db), expected);
  EXPECT_EQ(query_text(whole_db, "SELECT records_json FROM baselines WHERE baseline_id = 2"),
            "[" + record_to_json(s1) + "," + record_to_json(s2) + "]");
  expect_linked(chain_of(whole_db, "baselines"));
}

TEST_F(ChainCommitTest, ABaselineLeavesOutTheRowsThatHaveAnEvent) {
  Store store = open_migrated();
  PollCommit first = silent_baseline();
  first.baseline_pairs = {{"d1", module_folder}};
  first.device_list_baseline = false;
  first.changes = {Change{ChangeType::device_added, "d1", "laptop", std::nullopt, "", {}, laptop, ""},
                   Change{ChangeType::device_added, "d2", "phone", std::nullopt, "", {}, phone, ""},
                   Change{ChangeType::scope_added, "d2", "phone", module_album, "s3", {}, s3, ""}};
  store.commit_poll(first);
  // Then (d1, 102) is fetched for the first time: silent, although a stored scope of another
  // pair changes in the same poll, and a scope of the pair itself carries an event.
  const Scope s4 = make_scope("s4", module_address_book, "/contacts");
  const Scope s5 = make_scope("s5", module_address_book, "/contacts2");
  Scope moved = s1;
  moved.local_path = "/home/moved";
  PollCommit second = make_poll("acc", at("2026-11-23T07:05:00.000Z"));
  second.scope_writes = {{RowWrite::seen, "d1", moved, 0},
                         {RowWrite::seen, "d1", s4, 0},
                         {RowWrite::seen, "d1", s5, 0}};
  second.changes = {
      Change{ChangeType::scope_changed, "d1", "laptop", module_folder, "s1", s1, moved, ""},
      Change{ChangeType::scope_added, "d1", "laptop", module_address_book, "s5", {}, s5, ""}};
  second.baseline_pairs = {{"d1", module_address_book}};
  store.commit_poll(second);

  EXPECT_EQ(query_text(db_path(), "SELECT group_concat(baseline_id || ':' || IFNULL(poll_id, '-') "
                                  "|| ':' || json_array_length(records_json), ' ') FROM baselines"),
            "1:1:2 2:2:1");
  EXPECT_EQ(query_text(db_path(), "SELECT records_json FROM baselines WHERE baseline_id = 2"),
            "[" + record_to_json(s4) + "]");
  expect_linked(chain_of(db_path(), "baselines"));
  expect_linked(chain_of(db_path(), "events"));
}

TEST_F(ChainCommitTest, WithoutASilentBaselineNoBaselineRowIsWritten) {
  // events.baseline: emit — every item has its event, the diff reports no baseline.
  Store store = open_migrated();
  PollCommit poll = silent_baseline();
  poll.device_list_baseline = false;
  poll.baseline_pairs.clear();
  for (const DeviceWrite& w : poll.device_writes) {
    poll.changes.push_back(Change{ChangeType::device_added, w.device.device_id, "", std::nullopt,
                                  "", {}, w.device, ""});
  }
  for (const ScopeWrite& w : poll.scope_writes) {
    poll.changes.push_back(Change{ChangeType::scope_added, w.device_id, "", w.scope.module_code,
                                  w.scope.scope_id, {}, w.scope, ""});
  }
  EXPECT_EQ(store.commit_poll(poll).last_seq, 5);
  EXPECT_EQ(query_text(db_path(), "SELECT count(*) FROM baselines"), "0");
  expect_linked(chain_of(db_path(), "events"));
}

}  // namespace
}  // namespace kda::test
