// `koodrive-audit history` and `status` as processes, reading a database that `poll --once`
// filled from koodrive-sim: the events as a table and as the JSONL sink's lines, the filters
// and their errors, the last polls, a failing pair and a sink backlog; and that both only read.
#include "sim_history.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <tuple>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* laptop = history_laptop;
constexpr const char* phone = history_phone;
constexpr const char* laptop_docs = history_laptop_docs;
constexpr const char* phone_album = history_phone_album;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A table row's cells, its indent dropped: columns are separated by two or more spaces.
std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::size_t pos = row.find_first_not_of(' ');
  while (pos != std::string::npos && pos < row.size()) {
    std::size_t gap = row.find("  ", pos);
    if (gap == std::string::npos) gap = row.size();
    out.push_back(row.substr(pos, gap - pos));
    pos = row.find_first_not_of(' ', gap);
  }
  return out;
}

class HistoryAndStatus : public SimHistory {
 protected:
  void SetUp() override {
    SimHistory::SetUp();
    std::ofstream(dir_ / "webhook-secret") << "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    fs::permissions(dir_ / "webhook-secret", fs::perms::owner_read | fs::perms::owner_write);
    write_config();
  }

  // log and jsonl deliver; the webhook (to a closed loopback port) takes removals only and
  // never delivers, so its cursor stays put and its backlog grows.
  void write_config() {
    SimHistory::write_config({}, "  sinks:\n    - {type: log}\n    - {type: jsonl, path: events.jsonl}\n"
                                 "    - {type: webhook, name: soc, url: \"http://127.0.0.1:1/hook\", "
                                 "secret_file: webhook-secret, types: [device.removed, scope.removed]}\n");
  }

  CommandResult history(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"history", "--config", config()});
    return run_cli(args);
  }

  CommandResult status(bool json = false) {
    std::vector<std::string> args{"status", "--config", config()};
    if (json) args.push_back("--json");
    return run_cli(args);
  }

  // Baseline, then the laptop's Documents scope moves to /Work (poll 2), then the phone's
  // album scope is removed (poll 3): two events.
  void baseline_change_removal() {
    poll();
    sim_ok("PATCH", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs,
           R"({"localPath":"/Work"})");
    poll();
    sim_ok("DELETE", std::string("/_sim/devices/") + phone + "/scopes/" + phone_album);
    poll();
  }

  // (seq, event_id, observed_at) of the events table, in seq order.
  std::vector<std::tuple<std::int64_t, std::string, std::string>> event_rows() {
    SQLite::Database db((dir_ / "audit.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT seq, event_id, observed_at FROM events ORDER BY seq");
    std::vector<std::tuple<std::int64_t, std::string, std::string>> rows;
    while (q.executeStep()) {
      rows.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                        q.getColumn(2).getString());
    }
    return rows;
  }

  std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

};

TEST_F(HistoryAndStatus, HistoryShowsExactlyTheRecordedEventsAsATable) {
  baseline_change_removal();
  const auto rows = event_rows();
  ASSERT_EQ(rows.size(), 2u);

  const CommandResult result = history();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  const std::vector<std::string> table = lines(result.out);
  ASSERT_EQ(table.size(), 3u) << result.out;
  EXPECT_THAT(cells(table[0]),
              ElementsAre("OBSERVED_AT", "TYPE", "DEVICE", "MODULE", "SCOPE", "CHANGE"));
  EXPECT_THAT(cells(table[1]), ElementsAre(std::get<2>(rows[0]), "scope.changed",
                                           std::string("Laptop (") + laptop + ")", "folder",
                                           laptop_docs, "local_path: /Documents → /Work"));
  EXPECT_THAT(cells(table[2]),
              ElementsAre(std::get<2>(rows[1]), "scope.removed",
                          std::string("Phone (") + phone + ")", "album", phone_album, "/DCIM"));
  // Aligned: every column starts at the same offset on every line.
  for (const char* column : {"TYPE", "DEVICE", "MODULE", "SCOPE", "CHANGE"}) {
    const std::size_t at = table[0].find(column);
    EXPECT_EQ(table[1][at - 1], ' ');
    EXPECT_NE(table[1][at], ' ') << column;
    EXPECT_NE(table[2][at], ' ') << column;
  }
}

TEST_F(HistoryAndStatus, JsonLinesEqualTheEventsTableAndTheJsonlSink) {
  baseline_change_removal();
  sim_ok("DELETE", std::string("/_sim/devices/") + laptop);  // a cascade: 2 more events
  poll();
  const auto rows = event_rows();
  ASSERT_EQ(rows.size(), 4u);

  const CommandResult result = history({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<std::string> json_lines = lines(result.out);
  ASSERT_EQ(json_lines.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const boost::json::object event = boost::json::parse(json_lines[i]).as_object();
    EXPECT_EQ(event.at("seq").as_int64(), std::get<0>(rows[i]));
    EXPECT_EQ(event.at("event_id").as_string(), std::get<1>(rows[i]));
    EXPECT_EQ(event.at("observed_at").as_string(), std::get<2>(rows[i]));
  }
  // Byte for byte what the JSONL sink wrote.
  EXPECT_EQ(result.out, file_bytes(dir_ / "events.jsonl"));
}

TEST_F(HistoryAndStatus, DeviceTypeAndSinceFilter) {
  baseline_change_removal();
  const auto rows = event_rows();
  ASSERT_EQ(rows.size(), 2u);
  const auto seqs = [](const CommandResult& result) {
    std::vector<std::int64_t> out;
    for (const std::string& line : lines(result.out)) {
      out.push_back(boost::json::parse(line).at("seq").as_int64());
    }
    return out;
  };
  const std::int64_t change = std::get<0>(rows[0]);
  const std::int64_t removal = std::get<0>(rows[1]);

  EXPECT_THAT(seqs(history({"--json", "--device", phone})), ElementsAre(removal));
  EXPECT_THAT(seqs(history({"--json", "--device", laptop})), ElementsAre(change));
  EXPECT_THAT(seqs(history({"--json", "--type", "scope.changed"})), ElementsAre(change));
  EXPECT_THAT(seqs(history({"--json", "--type", "scope.removed", "--device", phone})),
              ElementsAre(removal));
  // --since is inclusive, and takes the stored form as well as ages and dates.
  EXPECT_THAT(seqs(history({"--json", "--since", std::get<2>(rows[1])})), ElementsAre(removal));
  EXPECT_THAT(seqs(history({"--json", "--since", "1h"})), ElementsAre(change, removal));
  EXPECT_THAT(seqs(history({"--json", "--since", std::get<2>(rows[0]).substr(0, 10)})),
              ElementsAre(change, removal));

  const CommandResult none = history({"--since", "2099-01-01"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err, "no events\n");
  const CommandResult nobody = history({"--json", "--device", "42"});
  EXPECT_EQ(nobody.exit_code, 0);
  EXPECT_EQ(nobody.out, "");
  EXPECT_EQ(nobody.err, "no events (no device 42 was ever recorded)\n");
  const CommandResult quiet = history({"--device", laptop, "--type", "device.removed"});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err, "no events\n");
}

TEST_F(HistoryAndStatus, BadSinceOrTypeIsRefusedNamingTheAcceptedValues) {
  poll();
  const CommandResult since = history({"--since", "last tuesday"});
  EXPECT_EQ(since.exit_code, 1);
  EXPECT_EQ(since.out, "");
  EXPECT_EQ(since.err,
            "history: --since: 'last tuesday' is not a time; use an instant "
            "(2026-11-23T08:00:00Z), a date (2026-11-23, 00:00 UTC) or an age (90m, 24h, 7d)\n");

  const CommandResult type = history({"--type", "scope.deleted"});
  EXPECT_EQ(type.exit_code, 1);
  EXPECT_EQ(type.out, "");
  EXPECT_THAT(type.err, StartsWith("history: --type: unknown event type 'scope.deleted'; one of: "
                                   "device.added, device.removed, device.changed, scope.added, "
                                   "scope.removed, scope.changed,"));

  const CommandResult both = history({"--since", "7w", "--type", "x"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_THAT(lines(both.err), ElementsAre(StartsWith("history: --since: '7w'"),
                                           StartsWith("history: --type: unknown event type 'x'")));
}

TEST_F(HistoryAndStatus, WithoutADatabaseBothSaySoAndCreateNothing) {
  for (const CommandResult& result : {history(), status()}) {
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.out, "");
    EXPECT_THAT(result.err, HasSubstr("no database at " + (dir_ / "audit.db").string() +
                                      "; run `koodrive-audit migrate` or start the daemon"));
  }
  EXPECT_FALSE(fs::exists(dir_ / "audit.db"));
}

TEST_F(HistoryAndStatus, StatusOfAHealthyAccountExitsZero) {
  poll();
  const CommandResult result = status();
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const std::vector<std::string> text = lines(result.out);
  ASSERT_GE(text.size(), 4u) << result.out;
  EXPECT_THAT(text[0], StartsWith("account test (1505084218764547200): last poll ok, "));
  EXPECT_THAT(cells(text[1]), ElementsAre("STARTED_AT", "OUTCOME", "REQUESTS", "FAILURES", "EVENTS",
                                          "DURATION", "ERROR"));
  const std::vector<std::string> last = cells(text[2]);
  ASSERT_EQ(last.size(), 6u) << text[2];  // no ERROR
  EXPECT_EQ(last[1], "ok");
  EXPECT_EQ(last[2], "7");  // the device list + 2 devices × 3 modules
  EXPECT_EQ(last[3], "0");
  EXPECT_EQ(last[4], "0");  // a silent baseline
  EXPECT_EQ(text[3], "  no failing (device, module) pairs");
  EXPECT_THAT(result.out, Not(HasSubstr("attention")));
}

TEST_F(HistoryAndStatus, StatusShowsAFailingPairAndAnUndeliveredBacklog) {
  poll();
  sim_ok("DELETE", std::string("/_sim/devices/") + phone);  // device.removed + scope.removed
  poll();
  sim_ok(
      "POST", "/_sim/faults",
      std::string(R"({"kind":"status","status":503,"count":1,"endpoint":"scopes","device_id":")") +
          laptop + R"(","module_code":100})");
  poll(2);

  const CommandResult result = status();
  EXPECT_EQ(result.exit_code, 2) << result.err << result.out;
  const std::vector<std::string> text = lines(result.out);
  EXPECT_THAT(text[0], StartsWith("account test (1505084218764547200): last poll partial, "));
  const std::vector<std::string> newest = cells(text[2]);
  ASSERT_EQ(newest.size(), 7u) << text[2];
  EXPECT_EQ(newest[1], "partial");
  EXPECT_EQ(newest[3], "1");
  EXPECT_THAT(newest[6],
              HasSubstr(std::string("/device/") + laptop + "/scope?moduleCode=100: HTTP 503"));
  EXPECT_EQ(cells(text[3])[1], "ok");  // the poll before, newest first

  const auto failing = std::find(text.begin(), text.end(), "  failing (device, module) pairs:");
  ASSERT_NE(failing, text.end()) << result.out;
  EXPECT_THAT(cells(*(failing + 1)), ElementsAre("DEVICE", "MODULE", "FAILURES", "FAILING_SINCE",
                                                 "LAST_SUCCESS", "LAST_ERROR"));
  const std::vector<std::string> pair = cells(*(failing + 2));
  ASSERT_EQ(pair.size(), 6u) << *(failing + 2);
  EXPECT_EQ(pair[0], std::string("Laptop (") + laptop + ")");
  EXPECT_EQ(pair[1], "folder");
  EXPECT_EQ(pair[2], "1");
  EXPECT_THAT(pair[5], HasSubstr("HTTP 503"));

  const auto sinks = std::find_if(text.begin(), text.end(),
                                  [](const std::string& l) { return l.starts_with("sinks "); });
  ASSERT_NE(sinks, text.end());
  EXPECT_EQ(*sinks, "sinks (events up to seq 2)");
  EXPECT_THAT(cells(*(sinks + 1)), ElementsAre("NAME", "TYPE", "CURSOR", "BACKLOG", "STATE"));
  EXPECT_THAT(cells(*(sinks + 2)), ElementsAre("log", "log", "2", "0", "ok"));
  EXPECT_THAT(cells(*(sinks + 3)), ElementsAre("jsonl", "jsonl", "2", "0", "ok"));
  EXPECT_THAT(cells(*(sinks + 4)), ElementsAre("soc", "webhook", "0", "2", "ok"));
  EXPECT_EQ(text.back(), "attention: test: last poll partial");

  // The JSON document carries the same, with the exact instants.
  const CommandResult json = status(true);
  EXPECT_EQ(json.exit_code, 2);
  const boost::json::value doc = boost::json::parse(json.out);
  EXPECT_EQ(doc.at("ok"), false);
  const boost::json::value& account = doc.at("accounts").at(0);
  EXPECT_EQ(account.at("account_id"), "1505084218764547200");
  EXPECT_EQ(account.at("attention"), boost::json::array({"last poll partial"}));
  EXPECT_EQ(account.at("polls").as_array().size(), 3u);
  EXPECT_EQ(account.at("polls").at(0).at("outcome"), "partial");
  const boost::json::value& failing_pair = account.at("failing_pairs").at(0);
  EXPECT_EQ(failing_pair.at("device_id"), laptop);
  EXPECT_EQ(failing_pair.at("module"), "folder");
  EXPECT_EQ(failing_pair.at("consecutive_failures"), 1);
  // The first failure is the partial poll itself; the last success the poll before it.
  EXPECT_EQ(failing_pair.at("failing_since"), account.at("polls").at(0).at("finished_at"));
  EXPECT_EQ(failing_pair.at("last_success_at"), account.at("polls").at(1).at("finished_at"));
  EXPECT_EQ(pair[3], failing_pair.at("failing_since").as_string());
  EXPECT_EQ(pair[4], failing_pair.at("last_success_at").as_string());
  EXPECT_EQ(doc.at("sinks"), boost::json::parse(R"([
      {"name":"log","type":"log","cursor":2,"backlog":0,"state":"ok","failures":0,"failing_since":null,"last_error":null,"next_attempt_at":null,"disabled_at":null},
      {"name":"jsonl","type":"jsonl","cursor":2,"backlog":0,"state":"ok","failures":0,"failing_since":null,"last_error":null,"next_attempt_at":null,"disabled_at":null},
      {"name":"soc","type":"webhook","cursor":0,"backlog":2,"state":"ok","failures":0,"failing_since":null,"last_error":null,"next_attempt_at":null,"disabled_at":null}])"));

  // A good poll clears the pair; the webhook's events are still waiting.
  poll();
  const CommandResult healthy = status(true);
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out;
  const boost::json::value after = boost::json::parse(healthy.out);
  EXPECT_THAT(after.at("accounts").at(0).at("failing_pairs").as_array(), IsEmpty());
  EXPECT_EQ(after.at("sinks").at(2).at("backlog"), 2);
}

TEST_F(HistoryAndStatus, BothOnlyReadAndAreNotBlockedByAWriter) {
  baseline_change_removal();
  const std::string db = (dir_ / "audit.db").string();
  const std::string before = file_bytes(db) + file_bytes(db + "-wal");
  // The same two reads without a writer, for how long they take on this machine (seconds in
  // an ASan build on a loaded one).
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(history({"--json"}).exit_code, 0);
  ASSERT_EQ(status().exit_code, 0);
  const auto unhindered = std::chrono::steady_clock::now() - started;

  // A writer holding the write lock (as the daemon does while it commits a poll): WAL lets the
  // readers see the last commit at once instead of waiting out the 5 s busy timeout. Waiting,
  // each would take 5 s longer (and then fail, as the writer holds on): 10 s in all.
  SQLite::Database writer(db, SQLite::OPEN_READWRITE);
  writer.exec("BEGIN IMMEDIATE");
  writer.exec("UPDATE polls SET outcome = 'failed'");
  started = std::chrono::steady_clock::now();
  const CommandResult events = history({"--json"});
  const CommandResult health = status();
  EXPECT_LT(std::chrono::steady_clock::now() - started, unhindered + std::chrono::seconds(5));
  EXPECT_EQ(events.exit_code, 0) << events.err;
  EXPECT_EQ(lines(events.out).size(), 2u);
  EXPECT_EQ(health.exit_code, 0) << health.err << health.out;  // the uncommitted 'failed' unseen
  writer.exec("ROLLBACK");

  EXPECT_EQ(file_bytes(db) + file_bytes(db + "-wal"), before);
}

// docs/schema.md's example queries, run against a real database: each must compile and find
// the rows the scenario put there (so a renamed column or a wrong date expression shows here).
TEST_F(HistoryAndStatus, SchemaDocQueriesRunAndFindTheirRows) {
  poll();
  sim_ok("PATCH", std::string("/_sim/devices/") + laptop + "/scopes/" + laptop_docs,
         R"({"localPath":"/Work"})");
  poll();
  sim_ok("DELETE", std::string("/_sim/devices/") + phone);
  poll();
  sim_ok(
      "POST", "/_sim/faults",
      std::string(R"({"kind":"status","status":503,"count":1,"endpoint":"scopes","device_id":")") +
          laptop + R"(","module_code":100})");
  poll(2);

  const std::string doc = file_bytes(fs::path(KDA_SOURCE_DIR) / "docs" / "schema.md");
  const std::size_t section = doc.find("## Example queries");
  ASSERT_NE(section, std::string::npos);
  const std::size_t open = doc.find("```sql\n", section);
  ASSERT_NE(open, std::string::npos);
  const std::size_t body = open + 7;
  const std::string sql = doc.substr(body, doc.find("```", body) - body);

  SQLite::Database db((dir_ / "audit.db").string(), SQLite::OPEN_READONLY);
  std::vector<std::string> titles;
  std::size_t start = 0;
  for (std::size_t end; (end = sql.find(";\n", start)) != std::string::npos; start = end + 2) {
    const std::string statement = sql.substr(start, end - start);
    const std::size_t comment = statement.find("-- ");
    const std::string title =
        statement.substr(comment + 3, statement.find('\n', comment) - comment - 3);
    titles.push_back(title);
    SQLite::Statement query(db, statement);
    int rows = 0;
    while (query.executeStep()) ++rows;
    EXPECT_GT(rows, 0) << title;
  }
  EXPECT_THAT(titles, ElementsAre("What changed today.",
                                  "One device's history: its own events and its scopes', with "
                                  "the paths before and after.",
                                  "Scopes removed this week (since Monday 00:00 UTC), with the "
                                  "path that is no longer backed up.",
                                  "What is backed up right now, per module.",
                                  "... and how much, per module.",
                                  "Polls that failed (the device list could not be fetched) or "
                                  "were partial (some",
                                  "(device, module) fetches that are failing now (bound devices "
                                  "only: an unbound device's",
                                  "The last ten polls and how they went."));
}

}  // namespace
}  // namespace kda::test
