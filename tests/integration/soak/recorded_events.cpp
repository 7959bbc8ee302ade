#include "recorded_events.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace kda::test::soak {

namespace {

SQLite::Database open_read_only(const std::filesystem::path& database) {
  SQLite::Database db(database.string(), SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  return db;
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

template <class Items, class Format>
std::string first_few(const Items& items, Format format) {
  constexpr std::size_t shown = 8;
  std::string text;
  for (std::size_t i = 0; i < items.size() && i < shown; ++i) {
    text += (i == 0 ? "" : "; ") + format(items[i]);
  }
  if (items.size() > shown) text += "; … " + std::to_string(items.size() - shown) + " more";
  return text;
}

}  // namespace

std::vector<RecordedEvent> read_events(const std::filesystem::path& database) {
  SQLite::Database db = open_read_only(database);
  SQLite::Statement query(db,
                          "SELECT seq, event_id, type, coalesce(device_id, ''), "
                          "coalesce(module_code, 0), coalesce(scope_id, '') FROM events "
                          "ORDER BY seq");
  std::vector<RecordedEvent> events;
  while (query.executeStep()) {
    events.push_back({query.getColumn(0).getInt64(),
                      query.getColumn(1).getString(),
                      {query.getColumn(2).getString(), query.getColumn(3).getString(),
                       query.getColumn(4).getInt(), query.getColumn(5).getString()}});
  }
  return events;
}

std::map<std::string, std::int64_t> read_sink_cursors(const std::filesystem::path& database) {
  SQLite::Database db = open_read_only(database);
  SQLite::Statement query(db, "SELECT sink, last_seq FROM sink_cursors");
  std::map<std::string, std::int64_t> cursors;
  while (query.executeStep()) {
    cursors[query.getColumn(0).getString()] = query.getColumn(1).getInt64();
  }
  return cursors;
}

std::map<std::string, int> read_poll_outcomes(const std::filesystem::path& database) {
  SQLite::Database db = open_read_only(database);
  SQLite::Statement query(db, "SELECT outcome, count(*) FROM polls GROUP BY outcome");
  std::map<std::string, int> outcomes;
  while (query.executeStep()) outcomes[query.getColumn(0).getString()] = query.getColumn(1).getInt();
  return outcomes;
}

std::string integrity_check(const std::filesystem::path& database) {
  SQLite::Database db = open_read_only(database);
  SQLite::Statement query(db, "PRAGMA integrity_check");
  std::string rows;
  while (query.executeStep()) rows += (rows.empty() ? "" : "; ") + query.getColumn(0).getString();
  return rows;
}

JsonlContent read_jsonl(const std::filesystem::path& file) {
  JsonlContent content;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code error;
    const boost::json::value value = boost::json::parse(line, error);
    const boost::json::object* object = error ? nullptr : value.if_object();
    const boost::json::value* id = object ? object->if_contains("event_id") : nullptr;
    if (id == nullptr || !id->is_string()) {
      ++content.torn_lines;
      continue;
    }
    content.event_ids.emplace_back(id->as_string());
  }
  return content;
}

Comparison compare(const std::vector<EventKey>& expected,
                   const std::vector<RecordedEvent>& recorded) {
  Comparison result;
  std::multiset<EventKey> wanted(expected.begin(), expected.end());
  for (const RecordedEvent& event : recorded) {
    if (starts_with(event.key.type, "coverage.")) {
      ++result.coverage_events;
      continue;
    }
    ++result.compared;
    if (const auto found = wanted.find(event.key); found != wanted.end()) {
      wanted.erase(found);
    } else {
      result.unexpected.push_back(event.key);
    }
  }
  result.missing.assign(wanted.begin(), wanted.end());
  return result;
}

std::vector<std::string> undelivered(const std::vector<RecordedEvent>& recorded,
                                     const std::vector<std::string>& delivered) {
  const std::set<std::string> seen(delivered.begin(), delivered.end());
  std::vector<std::string> missing;
  for (const RecordedEvent& event : recorded) {
    if (!seen.contains(event.event_id)) missing.push_back(event.event_id);
  }
  return missing;
}

std::size_t repeats(const std::vector<std::string>& ids) {
  return ids.size() - std::set<std::string>(ids.begin(), ids.end()).size();
}

void Checks::expect(bool holds, const std::string& failure) {
  if (!holds) failures_.push_back(failure);
}

void Checks::expect_comparison(const Comparison& comparison) {
  const auto key = [](const EventKey& k) { return to_string(k); };
  expect(comparison.missing.empty(),
         std::to_string(comparison.missing.size()) +
             " expected events not recorded (lost): " + first_few(comparison.missing, key));
  expect(comparison.unexpected.empty(),
         std::to_string(comparison.unexpected.size()) +
             " recorded events no change explains (spurious or duplicate): " +
             first_few(comparison.unexpected, key));
}

void Checks::expect_delivered(const std::string& sink, const std::vector<RecordedEvent>& recorded,
                              const std::vector<std::string>& delivered) {
  const std::vector<std::string> missing = undelivered(recorded, delivered);
  expect(missing.empty(), sink + ": " + std::to_string(missing.size()) +
                              " recorded event_ids never delivered: " +
                              first_few(missing, [](const std::string& id) { return id; }));
}

}  // namespace kda::test::soak
