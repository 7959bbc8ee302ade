// `koodrive-audit poll --once` as a process against koodrive-sim: the event rules end to end
// (baseline, one event per change, failure is not absence, cascade, confirmed removal,
// at-least-once sinks without repeats across restarts).
#include "sim_history.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* laptop = history_laptop;
constexpr const char* phone = history_phone;
constexpr const char* laptop_docs = history_laptop_docs;
constexpr const char* phone_album = history_phone_album;

struct EventRow {
  std::string type, device_id, scope_id, cause, before_json, after_json, event_id;
};

class PollOnce : public SimHistory {
 protected:
  // `events_extra`: more YAML lines under `events:`, each indented by two spaces.
  void write_config(int confirm_removals = 1, const std::string& events_extra = "") {
    SimHistory::write_config({}, "  confirm_removals: " + std::to_string(confirm_removals) +
                                     "\n" + events_extra +
                                     "  sinks:\n    - {type: log}\n    - {type: jsonl, path: "
                                     "events.jsonl}\n");
  }

  CommandResult poll(bool dry_run = false) {
    std::vector<std::string> args{"poll", "--once", "--config", config()};
    if (dry_run) args.push_back("--dry-run");
    return run_cli(args);
  }

  std::vector<EventRow> events() {
    SQLite::Database db((dir_ / "audit.db").string());
    SQLite::Statement query(db,
                            "SELECT type, IFNULL(device_id,''), IFNULL(scope_id,''), IFNULL(cause,''),"
                            " IFNULL(before_json,'null'), IFNULL(after_json,'null'), event_id"
                            " FROM events ORDER BY seq");
    std::vector<EventRow> rows;
    while (query.executeStep()) {
      rows.push_back({query.getColumn(0).getString(), query.getColumn(1).getString(),
                      query.getColumn(2).getString(), query.getColumn(3).getString(),
                      query.getColumn(4).getString(), query.getColumn(5).getString(),
                      query.getColumn(6).getString()});
    }
    return rows;
  }

  int live_scopes() {
    SQLite::Database db((dir_ / "audit.db").string());
    return db.execAndGet("SELECT count(*) FROM scopes WHERE removed_at IS NULL").getInt();
  }

  std::vector<std::string> jsonl_event_ids() {
    std::ifstream in(dir_ / "events.jsonl");
    std::vector<std::string> ids;
    for (std::string line; std::getline(in, line);) {
      ids.emplace_back(boost::json::parse(line).as_object().at("event_id").as_string());
    }
    return ids;
  }

  std::string local_path(const std::string& record_json) {
    return std::string(boost::json::parse(record_json).as_object().at("local_path").as_string());
  }

};

TEST_F(PollOnce, FirstPollIsASilentBaseline) {
  write_config();
  const CommandResult result = poll();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("poll.baseline account=1505084218764547200 devices=2 pairs=6 scopes=2"));
  // The commit's wall time and CPU time: scripts/bench reads both.
  EXPECT_THAT(result.err, ContainsRegex("poll.finished account=1505084218764547200 outcome=ok "
                                        "requests=7 failed=0 events=0 rows=[0-9]+ "
                                        "commit_ms=[0-9]+ commit_cpu_ms=[0-9]+ ms=[0-9]+"));
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(live_scopes(), 2);
}

TEST_F(PollOnce, AddChangeAndRemoveEachGiveExactlyOneEvent) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);

  sim_ok("POST", std::string("/_sim/devices/") + laptop + "/scopes",
         R"({"moduleCode":"102","localPath":"/contacts","targetFolderPath":"/backup/contacts"})");
  ASSERT_EQ(poll().exit_code, 0);
  std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].type, "scope.added");
  EXPECT_EQ(rows[0].before_json, "null");
  EXPECT_EQ(local_path(rows[0].after_json), "/contacts");

  sim_ok("PATCH", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs,
         R"({"localPath":"/Work"})");
  ASSERT_EQ(poll().exit_code, 0);
  rows = events();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].type, "scope.changed");
  EXPECT_EQ(rows[1].scope_id, laptop_docs);
  EXPECT_EQ(local_path(rows[1].before_json), "/Documents");
  EXPECT_EQ(local_path(rows[1].after_json), "/Work");

  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  ASSERT_EQ(poll().exit_code, 0);
  rows = events();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].type, "scope.removed");
  EXPECT_EQ(rows[2].scope_id, phone_album);
  EXPECT_EQ(local_path(rows[2].before_json), "/DCIM");
  EXPECT_EQ(rows[2].after_json, "null");
}

TEST_F(PollOnce, AFailedPairIsNotAbsenceAndTheNextPollCatchesUp) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);

  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  sim_ok("POST", "/_sim/faults",
         std::string(R"({"kind":"status","status":503,"count":1,"endpoint":"scopes","device_id":")") +
             laptop + R"(","module_code":100})");
  const CommandResult partial = poll();
  EXPECT_EQ(partial.exit_code, 2) << partial.err;
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(live_scopes(), 2);

  ASSERT_EQ(poll().exit_code, 0);
  const std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].type, "scope.removed");
  EXPECT_EQ(rows[0].scope_id, laptop_docs);
}

// Found by the fault soak: a device announced while one of its pairs failed had that pair's
// scopes recorded silently, as a baseline, when the pair first answered a poll later.
TEST_F(PollOnce, ANewDevicesPairThatFailedIsNewsWhenItAnswersLater) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);

  const HttpReply added = sim_->control(
      "POST", "/_sim/devices", R"({"machineCode":"m3","deviceName":"Tablet","deviceOS":"android"})");
  ASSERT_EQ(added.status, 200) << added.body;
  const std::string tablet(boost::json::parse(added.body).at("deviceId").as_string());
  const HttpReply scope = sim_->control(
      "POST", "/_sim/devices/" + tablet + "/scopes",
      R"({"moduleCode":"100","localPath":"/Movies","targetFolderPath":"/backup/Movies"})");
  ASSERT_EQ(scope.status, 200) << scope.body;
  const std::string movies(boost::json::parse(scope.body).at("scopeId").as_string());
  sim_ok("POST", "/_sim/faults",
         R"({"kind":"api_code","count":1,"endpoint":"scopes","device_id":")" + tablet +
             R"(","module_code":100})");
  EXPECT_EQ(poll().exit_code, 2);
  ASSERT_EQ(poll().exit_code, 0);

  const std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].type, "device.added");
  EXPECT_EQ(rows[1].type, "scope.added");
  EXPECT_EQ(rows[1].device_id, tablet);
  EXPECT_EQ(rows[1].scope_id, movies);
}

TEST_F(PollOnce, AFailedDeviceListChangesNothing) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("DELETE", std::string("/_sim/devices/") + phone);
  sim_ok("POST", "/_sim/faults", R"({"kind":"malformed","count":1,"endpoint":"devices"})");
  EXPECT_EQ(poll().exit_code, 1);
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(live_scopes(), 2);
}

TEST_F(PollOnce, UnbindingADeviceCascadesToItsScopes) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("DELETE", std::string("/_sim/devices/") + phone);
  ASSERT_EQ(poll().exit_code, 0);
  const std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].type, "device.removed");
  EXPECT_EQ(rows[0].device_id, phone);
  EXPECT_EQ(rows[1].type, "scope.removed");
  EXPECT_EQ(rows[1].scope_id, phone_album);
  EXPECT_EQ(rows[1].cause, "device.removed");
}

TEST_F(PollOnce, ConfirmRemovalsTwoHoldsARemovalForOnePoll) {
  write_config(2);
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  ASSERT_EQ(poll().exit_code, 0);
  EXPECT_TRUE(events().empty());
  ASSERT_EQ(poll().exit_code, 0);
  const std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].type, "scope.removed");
}

TEST_F(PollOnce, ARestartReemitsNothingAndTheJsonlEqualsTheEventsTable) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("DELETE", std::string("/_sim/devices/") + phone);
  ASSERT_EQ(poll().exit_code, 0);
  ASSERT_EQ(poll().exit_code, 0);  // a new process: nothing new to record or deliver
  ASSERT_EQ(poll().exit_code, 0);

  std::vector<std::string> table_ids;
  for (const EventRow& row : events()) table_ids.push_back(row.event_id);
  ASSERT_EQ(table_ids.size(), 2u);
  EXPECT_EQ(jsonl_event_ids(), table_ids);
}

TEST_F(PollOnce, DryRunPrintsTheChangesAndCommitsNothing) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  const CommandResult dry = poll(true);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr(std::string("scope.removed device_id=") + phone));
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(live_scopes(), 2);
  ASSERT_EQ(poll().exit_code, 0);
  EXPECT_EQ(events().size(), 1u);
}

// Without a database yet, a dry run diffs against an empty one of its own: the devices and
// scopes are a first sighting (a silent baseline, no change printed), and the configured
// database is not created.
TEST_F(PollOnce, DryRunWithoutADatabaseCreatesNone) {
  write_config();
  const CommandResult dry = poll(true);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.err, HasSubstr("audit.db absent=true"));
  EXPECT_THAT(dry.err, HasSubstr("poll.baseline account=1505084218764547200 devices=2 pairs=6"));
  EXPECT_EQ(dry.out, "");
  EXPECT_FALSE(fs::exists(dir_ / "audit.db"));

  ASSERT_EQ(poll().exit_code, 0);
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(live_scopes(), 2);
}

// Upgrading a database is a change, so a dry run refuses one with an older schema and leaves
// it as it was; the real poll then upgrades it.
TEST_F(PollOnce, DryRunRefusesToUpgradeTheDatabase) {
  write_config();
  ASSERT_EQ(poll().exit_code, 0);
  int latest = 0;
  {
    SQLite::Database db((dir_ / "audit.db").string(), SQLite::OPEN_READWRITE);
    latest = db.execAndGet("PRAGMA user_version").getInt();
    db.exec("PRAGMA user_version = " + std::to_string(latest - 1));
  }
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);

  const CommandResult dry = poll(true);
  EXPECT_EQ(dry.exit_code, 1);
  EXPECT_THAT(dry.err, HasSubstr("audit.db: schema version " + std::to_string(latest - 1) +
                                 " is older than this koodrive-audit's (" +
                                 std::to_string(latest) +
                                 "); run `koodrive-audit migrate` or start the daemon"));
  EXPECT_THAT(dry.err, HasSubstr("poll --dry-run: "));
  EXPECT_EQ(dry.out, "");
  {
    SQLite::Database db((dir_ / "audit.db").string());
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), latest - 1);
  }
  EXPECT_EQ(live_scopes(), 2);
}

TEST_F(PollOnce, AMassRemovalIsHeldUntilTheNextPollConfirmsIt) {
  write_config(1, "  mass_removal: {min_items: 2}\n");
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("DELETE", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs);
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);

  const CommandResult held = poll();
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_THAT(held.err, HasSubstr("poll.mass_removal_held account=1505084218764547200 devices=0 scopes=2"));
  std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].type, "audit.suspect_mass_removal");
  EXPECT_EQ(rows[0].device_id, "");
  const auto detail = boost::json::parse(rows[0].after_json).as_object();
  EXPECT_EQ(detail.at("held_scope_removals").to_number<int>(), 2);
  EXPECT_EQ(detail.at("live_scopes").to_number<int>(), 2);
  EXPECT_EQ(live_scopes(), 2);

  ASSERT_EQ(poll().exit_code, 0);
  rows = events();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].type, "scope.removed");
  EXPECT_EQ(rows[2].type, "scope.removed");
  EXPECT_EQ(live_scopes(), 0);
  EXPECT_EQ(jsonl_event_ids().size(), 3u);
}

TEST_F(PollOnce, AMassRemovalThatComesBackLeavesNoRemoval) {
  write_config(1, "  mass_removal: {min_items: 1, threshold: 40%}\n");
  ASSERT_EQ(poll().exit_code, 0);
  // The phone's album answers an empty scopeList with code 0 (the classic case), then the
  // scope is back.
  sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
  ASSERT_EQ(poll().exit_code, 0);
  ASSERT_EQ(events().size(), 1u);
  sim_ok("POST", std::string("/_sim/devices/") + phone + "/scopes",
         std::string(R"({"scopeId":")") + phone_album +
             R"(","moduleCode":"101","localPath":"/DCIM","targetFolderPath":"/backup/DCIM","createTime":"2025-12-17T07:27:27.709Z"})");
  ASSERT_EQ(poll().exit_code, 0);
  const std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 1u) << rows.back().type;
  EXPECT_EQ(rows[0].type, "audit.suspect_mass_removal");
  EXPECT_EQ(live_scopes(), 2);
}

TEST_F(PollOnce, CoverageIsLostAfterTheFailuresAndRestoredByTheFirstSuccess) {
  write_config(1, "  coverage: {after_failures: 2}\n");
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("POST", "/_sim/faults",
         std::string(R"({"kind":"status","status":503,"count":2,"endpoint":"scopes","device_id":")") +
             laptop + R"(","module_code":100})");
  EXPECT_EQ(poll().exit_code, 2);
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(poll().exit_code, 2);
  std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].type, "coverage.lost");
  EXPECT_EQ(rows[0].device_id, laptop);
  const auto lost = boost::json::parse(rows[0].after_json).as_object();
  EXPECT_EQ(lost.at("consecutive_failures").to_number<int>(), 2);
  EXPECT_THAT(std::string(lost.at("last_error").as_string()), HasSubstr("moduleCode=100"));

  ASSERT_EQ(poll().exit_code, 0);
  rows = events();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].type, "coverage.restored");
  EXPECT_EQ(rows[1].device_id, laptop);
  ASSERT_EQ(poll().exit_code, 0);
  EXPECT_EQ(events().size(), 2u);
}

TEST_F(PollOnce, CoverageOfTheDeviceListIsLostAndRestored) {
  write_config(1, "  coverage: {after_failures: 2}\n");
  ASSERT_EQ(poll().exit_code, 0);
  sim_ok("POST", "/_sim/faults", R"({"kind":"malformed","count":2,"endpoint":"devices"})");
  EXPECT_EQ(poll().exit_code, 1);
  EXPECT_EQ(poll().exit_code, 1);
  std::vector<EventRow> rows = events();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].type, "coverage.lost");
  EXPECT_EQ(rows[0].device_id, "");
  EXPECT_EQ(boost::json::parse(rows[0].after_json).at("target").as_string(), "device_list");
  ASSERT_EQ(poll().exit_code, 0);
  rows = events();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].type, "coverage.restored");
  EXPECT_EQ(jsonl_event_ids().size(), 2u);
}

}  // namespace
}  // namespace kda::test
