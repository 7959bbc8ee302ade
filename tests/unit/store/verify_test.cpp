// Store::verify on a realistic history committed through commit_poll: it passes, and each kind
// of tampering with the file behind the store's back is caught and named.
#include "store_fixture.hpp"

#include "koodrive_audit/event_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace kda::test {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;

std::vector<std::string> texts(const VerifyReport& report) {
  std::vector<std::string> out;
  for (const VerifyProblem& p : report.problems) out.push_back(p.text);
  return out;
}

std::string joined(const VerifyReport& report) {
  std::string out;
  for (const VerifyProblem& p : report.problems) out += p.text + "\n";
  return out;
}

class VerifyTest : public StoreTest {
 protected:
  // Control characters, quotes and non-ASCII in the values: the canonical form must escape
  // them exactly like the documented Python does.
  const Device laptop{"d1", "m1", "Laptop \"\xc3\xa9t\xc3\xa9\"", "windows", "2025-09-15"};
  const Device phone{"d2", "m2", "Phone", "android", "2025-12-17"};
  const Device tablet{"d3", "m3", "Tablet", "ipados", "2025-12-18"};
  const Scope docs{"s1", module_folder, "/Docs \\ tab\there\n\x01 \xe6\x97\xa5\xe6\x9c\xac",
                   "/backup/Docs", "2025-12-17"};
  const Scope pictures{"s2", module_folder, "/Pictures", "/backup/Pictures", "2025-12-17"};
  const Scope camera{"s3", module_album, "/DCIM", "/backup/DCIM", "2025-12-17"};
  const Scope contacts{"s4", module_address_book, "/contacts", "/backup/contacts", "2025-12-17"};
  const Scope notes{"s5", module_folder, "/Notes", "/backup/Notes", "2025-12-18"};
  const Scope journal{"s6", module_address_book, "/journal", "/backup/journal", "2025-12-18"};

  static Change device_change(ChangeType type, const Device& d, Record before, Record after) {
    return Change{type, d.device_id, d.device_name, std::nullopt, "", std::move(before),
                  std::move(after), ""};
  }
  static Change scope_change(ChangeType type, const std::string& device_id, const Scope& s,
                             Record before, Record after, std::string cause = "") {
    return Change{type, device_id, "", s.module_code, s.scope_id, std::move(before),
                  std::move(after), std::move(cause)};
  }
  static Change audit(ChangeType type, std::string json) {
    return Change{type, "", "", std::nullopt, "", {}, AuditDetail{std::move(json)}, ""};
  }

  // 1. silent baseline: laptop (s1, s2; album fetched empty), phone (s3); laptop's address
  //    book fails. 2. laptop renamed, s1 moved, tablet added with s5, laptop's address book
  //    fetched for the first time (silent: s4). 3. phone removed (cascade s3), s2 removed,
  //    s6 added. 4. phone re-added with s3; the tablet and s5 go missing but the guard holds
  //    the removal. 5. the device list fails: coverage lost. 6. back: coverage restored, the
  //    tablet seen again.
  void commit_history() {
    Store store = open_migrated();
    PollCommit p1 = make_poll("acc", at("2026-11-23T07:00:00.000Z"), "partial");
    p1.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
    p1.scope_writes = {{RowWrite::seen, "d1", docs, 0},
                       {RowWrite::seen, "d1", pictures, 0},
                       {RowWrite::seen, "d2", camera, 0}};
    p1.attempts = {{{"d1", module_folder}, true, ""},
                   {{"d1", module_album}, true, ""},
                   {{"d1", module_address_book}, false, "HTTP 503"},
                   {{"d2", module_album}, true, ""}};
    p1.device_list_baseline = true;
    p1.baseline_pairs = {{"d1", module_folder}, {"d1", module_album}, {"d2", module_album}};
    store.commit_poll(p1);

    Device work = laptop;
    work.device_name = "Work laptop";
    Scope moved = docs;
    moved.local_path = "/Work \"docs\"";
    PollCommit p2 = make_poll("acc", at("2026-11-23T07:05:00.000Z"));
    p2.device_writes = {{RowWrite::seen, work, 0}, {RowWrite::seen, tablet, 0}};
    p2.scope_writes = {{RowWrite::seen, "d1", moved, 0},
                       {RowWrite::seen, "d1", contacts, 0},
                       {RowWrite::seen, "d3", notes, 0}};
    p2.changes = {device_change(ChangeType::device_changed, work, laptop, work),
                  device_change(ChangeType::device_added, tablet, {}, tablet),
                  scope_change(ChangeType::scope_changed, "d1", moved, docs, moved),
                  scope_change(ChangeType::scope_added, "d3", notes, {}, notes)};
    p2.attempts = {{{"d1", module_address_book}, true, ""}, {{"d3", module_folder}, true, ""}};
    p2.baseline_pairs = {{"d1", module_address_book}};
    store.commit_poll(p2);

    PollCommit p3 = make_poll("acc", at("2026-11-23T07:10:00.000Z"));
    p3.device_writes = {{RowWrite::removed, phone, 1}};
    p3.scope_writes = {{RowWrite::removed, "d1", pictures, 1},
                       {RowWrite::seen, "d1", journal, 0},
                       {RowWrite::removed, "d2", camera, 0}};
    p3.changes = {device_change(ChangeType::device_removed, phone, phone, {}),
                  scope_change(ChangeType::scope_removed, "d2", camera, camera, {}, "device.removed"),
                  scope_change(ChangeType::scope_removed, "d1", pictures, pictures, {}),
                  scope_change(ChangeType::scope_added, "d1", journal, {}, journal)};
    store.commit_poll(p3);

    PollCommit p4 = make_poll("acc", at("2026-11-23T07:15:00.000Z"));
    p4.device_writes = {{RowWrite::seen, phone, 0}, {RowWrite::missing, tablet, 1}};
    p4.scope_writes = {{RowWrite::seen, "d2", camera, 0}, {RowWrite::missing, "d3", notes, 1}};
    p4.changes = {device_change(ChangeType::device_added, phone, {}, phone),
                  scope_change(ChangeType::scope_added, "d2", camera, {}, camera),
                  audit(ChangeType::suspect_mass_removal, R"({"held":2})")};
    store.commit_poll(p4);

    PollCommit p5 = make_poll("acc", at("2026-11-23T07:20:00.000Z"), "failed");
    p5.error = "device list: HTTP 503";
    p5.changes = {audit(ChangeType::coverage_lost, R"({"reason":"device list: HTTP 503"})")};
    store.commit_poll(p5);

    PollCommit p6 = make_poll("acc", at("2026-11-23T07:25:00.000Z"));
    p6.device_writes = {{RowWrite::seen, tablet, 0}};
    p6.scope_writes = {{RowWrite::seen, "d3", notes, 0}};
    p6.changes = {audit(ChangeType::coverage_restored, R"({"lost_at":"2026-11-23T07:20:00.000Z"})")};
    store.commit_poll(p6);
  }

  VerifyReport verify() { return Store::open_read_only(db_path()).verify(); }
};

TEST_F(VerifyTest, ARealisticHistoryVerifies) {
  commit_history();
  const VerifyReport report = verify();
  EXPECT_TRUE(report.ok()) << joined(report);
  EXPECT_EQ(report.events, 13);
  EXPECT_EQ(report.baselines, 5);  // device list + 3 pairs in poll 1, 1 pair in poll 2
  EXPECT_EQ(report.replayed_events, 10);  // all but the three audit and coverage events
  EXPECT_EQ(report.devices, 3);
  EXPECT_EQ(report.scopes, 5);  // s1 s4 s6 (laptop), s3 (phone), s5 (tablet, held then back)
}

TEST_F(VerifyTest, AnEditedEventColumnIsNamedBySeq) {
  commit_history();
  // seq 3 is the scope.changed of poll 2.
  exec_sql(db_path(), "UPDATE events SET after_json = replace(after_json, '/Work', '/Tmp') "
                      "WHERE seq = 3");
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 3);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0].text,
            "seq 3: hash does not match the row's contents: a column was changed after the row "
            "was written");
  // The replay then disagrees with the live row, field by field.
  EXPECT_THAT(texts(report),
              Contains(AllOf(HasSubstr("scope acc/d1/100/s1: local_path \"/Tmp \\\"docs\\\"\" in "
                                       "the history, \"/Work \\\"docs\\\"\" in scopes"))));
}

TEST_F(VerifyTest, AnEditedTypeOrTimeIsCaughtToo) {
  commit_history();
  exec_sql(db_path(), "UPDATE events SET observed_at = '2026-11-23T07:11:00.000Z' WHERE seq = 7");
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 7);
  EXPECT_EQ(report.problems.size(), 1u) << joined(report);
}

TEST_F(VerifyTest, ADeletedMiddleEventIsNamed) {
  commit_history();
  exec_sql(db_path(), "DELETE FROM events WHERE seq = 6");  // the cascade scope.removed of s3
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 6);
  EXPECT_THAT(texts(report), Contains("seq 6: missing (deleted): the chain goes from seq 5 to seq 7"));
  EXPECT_THAT(texts(report),
              Contains("seq 7: prev_hash does not match the hash of seq 5, the row before it"));
  EXPECT_THAT(texts(report), Contains("poll 3: its row counts 4 events, but the events table holds 3 of them"));
}

TEST_F(VerifyTest, DeletedNewestEventsAreSeenThroughSqliteSequence) {
  commit_history();
  exec_sql(db_path(), "DELETE FROM events WHERE seq >= 12");  // the coverage events
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 12);
  EXPECT_THAT(texts(report), Contains(HasSubstr("seq 12..13: missing: sqlite_sequence says seq 13 "
                                                "was handed out, but the newest row is seq 11")));
}

TEST_F(VerifyTest, ASwappedHashIsNamed) {
  commit_history();
  exec_sql(db_path(), "UPDATE events SET hash = (SELECT hash FROM events WHERE seq = 4) WHERE seq = 9");
  const VerifyReport report = verify();
  EXPECT_EQ(report.first_bad_seq(), 9);
  EXPECT_EQ(texts(report),
            (std::vector<std::string>{
                "seq 9: hash does not match the row's contents: a column was changed after the "
                "row was written",
                "seq 10: prev_hash does not match the hash of seq 9, the row before it"}));
}

TEST_F(VerifyTest, AnEditedBaselineIsNamed) {
  commit_history();
  exec_sql(db_path(), "UPDATE baselines SET records_json = replace(records_json, '/Pictures', "
                      "'/Elsewhere') WHERE baseline_id = 2");
  const VerifyReport report = verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].text,
            "baseline 2: hash does not match the row's contents: a column was changed after the "
            "row was written");
  EXPECT_EQ(report.problems[0].baseline_id, 2);
  // s2's baseline no longer says what its scope.removed (seq 7) took away.
  EXPECT_EQ(report.first_bad_seq(), 7);
  EXPECT_THAT(texts(report), Contains(HasSubstr("seq 7 (scope.removed): before_json differs from "
                                                "the history of scope acc/d1/100/s2: local_path "
                                                "\"/Elsewhere\" in the history, \"/Pictures\" in "
                                                "before_json")));
}

TEST_F(VerifyTest, AScopeEditedBehindTheStoresBackIsNamed) {
  commit_history();
  exec_sql(db_path(), "UPDATE scopes SET target_folder_path = '/exfil' WHERE scope_id = 's4'");
  const VerifyReport report = verify();
  EXPECT_EQ(texts(report),
            (std::vector<std::string>{"scope acc/d1/102/s4: target_folder_path \"/backup/contacts\" "
                                      "in the history, \"/exfil\" in scopes"}));
  EXPECT_EQ(report.first_bad_seq(), std::nullopt);
}

TEST_F(VerifyTest, LiveRowsWithoutAnEventAreNamed) {
  commit_history();
  exec_sql(db_path(),
           "INSERT INTO scopes VALUES ('acc', 'd1', 100, 's9', '/secret', '/backup/secret', 't', "
           "'2026-11-23T07:30:00.000Z', '2026-11-23T07:30:00.000Z', NULL, 0);"
           "UPDATE devices SET removed_at = '2026-11-23T07:30:00.000Z' WHERE device_id = 'd3';");
  const VerifyReport report = verify();
  EXPECT_EQ(texts(report),
            (std::vector<std::string>{
                "device acc/d3: the history says it exists, but devices has no live row for it "
                "(removed_at set, or the row is gone)",
                "scope acc/d1/100/s9: live in scopes, but no event or baseline in the history "
                "records it"}));
}

TEST_F(VerifyTest, TheDocumentedPythonRecomputesBothChains) {
  if (std::system("python3 -c 'import sqlite3' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 with sqlite3 is not available";
  }
  commit_history();
  // The snippet exactly as docs/schema.md shows it.
  std::ifstream doc(std::filesystem::path(KDA_SOURCE_DIR) / "docs" / "schema.md");
  std::stringstream text;
  text << doc.rdbuf();
  const std::string markdown = text.str();
  const std::size_t section = markdown.find("## The hash chain");
  ASSERT_NE(section, std::string::npos);
  const std::size_t begin = markdown.find("```python\n", section);
  ASSERT_NE(begin, std::string::npos);
  const std::size_t end = markdown.find("```\n", begin + 10);
  ASSERT_NE(end, std::string::npos);
  const auto script = dir_ / "check_chain.py";
  std::ofstream(script) << markdown.substr(begin + 10, end - begin - 10);

  const auto run = [&] {
    const std::string command = "python3 " + script.string() + " " + db_path().string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string out;
    std::array<char, 256> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
    const int status = ::pclose(pipe);
    return std::pair{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
  };
  auto [code, out] = run();
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "both chains intact\n");

  exec_sql(db_path(), "UPDATE events SET cause = 'x' WHERE seq = 6");
  std::tie(code, out) = run();
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out, "events: seq 6: the chain is broken here\n");
}

}  // namespace
}  // namespace kda::test
