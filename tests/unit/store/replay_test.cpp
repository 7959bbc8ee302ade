// verify's replay, without a database: baselines and events → the snapshot they imply, each
// event's `before` checked against it, and that snapshot against the live tables.
#include "store/replay.hpp"

#include "koodrive_audit/event_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kda::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string account = "1505084218764547200";

Device laptop(const std::string& name = "Laptop") {
  return Device{"d1", "m1", name, "windows", "2025-09-15T06:14:48.630Z"};
}
Scope docs(const std::string& path = "/Documents") {
  return Scope{"s1", module_folder, path, "/backup/Documents", "2025-12-17T07:27:27.709Z"};
}

ReplayEvent event(std::int64_t seq, ChangeType type, const Record& before, const Record& after) {
  ReplayEvent e;
  e.seq = seq;
  e.type = std::string(to_string(type));
  e.account_id = account;
  e.device_id = "d1";
  if (type == ChangeType::scope_added || type == ChangeType::scope_changed ||
      type == ChangeType::scope_removed) {
    e.module_code = module_folder;
    e.scope_id = "s1";
  }
  e.before_json = record_to_json(before);
  e.after_json = record_to_json(after);
  return e;
}

std::vector<std::string> texts(const std::vector<VerifyProblem>& problems) {
  std::vector<std::string> out;
  for (const VerifyProblem& p : problems) out.push_back(p.text);
  return out;
}

TEST(Replay, BaselinesThenEventsRebuildTheSnapshot) {
  Replay replay;
  std::vector<VerifyProblem> problems;
  replay.apply(ReplayBaseline{1, account, "", std::nullopt, "[" + record_to_json(laptop()) + "]"},
               problems);
  replay.apply(ReplayBaseline{2, account, "d1", module_folder, "[" + record_to_json(docs()) + "]"},
               problems);
  replay.apply(ReplayBaseline{3, account, "d1", module_album, "[]"}, problems);
  EXPECT_TRUE(replay.apply(event(1, ChangeType::device_changed, laptop(), laptop("Work")), problems));
  EXPECT_TRUE(replay.apply(event(2, ChangeType::scope_changed, docs(), docs("/Work")), problems));
  EXPECT_TRUE(replay.apply(event(3, ChangeType::scope_removed, docs("/Work"), {}), problems));
  EXPECT_TRUE(replay.apply(event(4, ChangeType::scope_added, {}, docs("/Again")), problems));
  EXPECT_THAT(problems, IsEmpty());

  Items live;
  live[account].devices["d1"] = laptop("Work");
  live[account].scopes[ScopeKey{"d1", module_folder, "s1"}] = docs("/Again");
  const Comparison comparison = compare(replay.items(), live);
  EXPECT_THAT(comparison.problems, IsEmpty());
  EXPECT_EQ(comparison.devices, 1);
  EXPECT_EQ(comparison.scopes, 1);
}

TEST(Replay, AuditAndCoverageEventsAreNotReplayed) {
  Replay replay;
  std::vector<VerifyProblem> problems;
  ReplayEvent lost;
  lost.seq = 9;
  lost.type = std::string(to_string(ChangeType::coverage_lost));
  lost.account_id = account;
  lost.after_json = R"({"reason":"device list: HTTP 503"})";
  EXPECT_FALSE(replay.apply(lost, problems));
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_TRUE(replay.items().empty() || replay.items().at(account).devices.empty());
}

TEST(Replay, AnEventWhoseBeforeIsNotTheReplayedStateIsNamedBySeqAndField) {
  Replay replay;
  std::vector<VerifyProblem> problems;
  replay.apply(event(1, ChangeType::device_added, {}, laptop()), problems);
  replay.apply(event(2, ChangeType::device_changed, laptop("Other"), laptop("Work")), problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].seq, 2);
  EXPECT_EQ(problems[0].text,
            "seq 2 (device.changed): before_json differs from the history of device " + account +
                "/d1: device_name \"Laptop\" in the history, \"Other\" in before_json");
}

TEST(Replay, ChangingOrRemovingWhatWasNeverRecordedIsAProblem) {
  Replay replay;
  std::vector<VerifyProblem> problems;
  replay.apply(event(5, ChangeType::scope_removed, docs(), {}), problems);
  replay.apply(event(6, ChangeType::device_added, {}, laptop()), problems);
  replay.apply(event(7, ChangeType::device_added, {}, laptop()), problems);
  EXPECT_THAT(texts(problems),
              ElementsAre("seq 5 (scope.removed): scope " + account +
                              "/d1/100/s1 is not in the history at this point",
                          "seq 7 (device.added): device " + account +
                              "/d1 is added, but the history already holds it"));
}

TEST(Replay, RecordsMustFitTheRowsIdentityAndShape) {
  Replay replay;
  std::vector<VerifyProblem> problems;
  ReplayEvent wrong_device = event(1, ChangeType::device_added, {}, laptop());
  wrong_device.device_id = "d2";
  replay.apply(wrong_device, problems);
  replay.apply(event(2, ChangeType::scope_added, docs(), docs()), problems);
  ReplayEvent garbage = event(3, ChangeType::scope_added, {}, docs());
  garbage.after_json = "{\"scope_id\":1}";
  replay.apply(garbage, problems);
  replay.apply(ReplayBaseline{4, account, "d1", module_album, "[" + record_to_json(docs()) + "]"},
               problems);
  replay.apply(ReplayBaseline{5, account, "", std::nullopt, "not json"}, problems);
  EXPECT_THAT(texts(problems),
              ElementsAre(HasSubstr("seq 1 (device.added): after_json names device d1, not the "
                                    "row's device_id d2"),
                          HasSubstr("seq 2 (scope.added): before_json does not fit"),
                          "seq 3 (scope.added): after_json is not a record",
                          "baseline 4: records_json holds something other than a scope record of "
                          "module 101",
                          "baseline 5: records_json is not a JSON array"));
  EXPECT_EQ(problems[3].baseline_id, 4);
}

TEST(Replay, TheComparisonNamesEachItemAndField) {
  Items replayed;
  replayed[account].devices["d1"] = laptop();
  replayed[account].devices["d2"] = Device{"d2", "m2", "Phone", "android", "t"};
  replayed[account].scopes[ScopeKey{"d1", module_folder, "s1"}] = docs();
  Items live;
  live[account].devices["d1"] = laptop("Evil");
  live[account].scopes[ScopeKey{"d1", module_folder, "s1"}] = docs();
  live[account].scopes[ScopeKey{"d1", module_folder, "s9"}] =
      Scope{"s9", module_folder, "/x", "/y", "t"};
  live["other"].devices["d7"] = Device{"d7", "m", "n", "o", "t"};

  const Comparison comparison = compare(replayed, live);
  EXPECT_EQ(comparison.devices, 0);
  EXPECT_EQ(comparison.scopes, 1);
  EXPECT_THAT(texts(comparison.problems),
              ElementsAre("device " + account +
                              "/d1: device_name \"Laptop\" in the history, \"Evil\" in devices",
                          "device " + account +
                              "/d2: the history says it exists, but devices has no live row for "
                              "it (removed_at set, or the row is gone)",
                          "scope " + account +
                              "/d1/100/s9: live in scopes, but no event or baseline in the "
                              "history records it",
                          "device other/d7: live in devices, but no event or baseline in the "
                          "history records it"));
}

}  // namespace
}  // namespace kda::store
