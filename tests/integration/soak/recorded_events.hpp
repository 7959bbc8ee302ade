#pragma once
// What the daemon recorded and delivered, read back for the soaks' checks: the events table, the
// sink cursors, the database's integrity, the JSONL file; and the comparison of the recorded
// events with the changes the script made.
//
// The database is opened read-only for each call (WAL: safe while a daemon writes), with a busy
// timeout. Errors: SQLite failures throw SQLite::Exception; an unreadable JSONL file reads as
// empty.
#include "soak_tenant.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace kda::test::soak {

struct RecordedEvent {
  std::int64_t seq = 0;
  std::string event_id;
  EventKey key;
};

std::vector<RecordedEvent> read_events(const std::filesystem::path& database);
// The sink cursors' last_seq, by sink name.
std::map<std::string, std::int64_t> read_sink_cursors(const std::filesystem::path& database);
// Polls by outcome ("ok", "partial", "failed").
std::map<std::string, int> read_poll_outcomes(const std::filesystem::path& database);
// PRAGMA integrity_check, its rows joined by "; " ("ok" when sound).
std::string integrity_check(const std::filesystem::path& database);

struct JsonlContent {
  std::vector<std::string> event_ids;  // in file order, repeats kept
  std::size_t torn_lines = 0;          // lines that are not a JSON object with an event_id
};
JsonlContent read_jsonl(const std::filesystem::path& file);

// The recorded events of the change types (device.*, scope.*) against the expected ones, as
// multisets: `missing` were expected and not recorded, `unexpected` recorded and not expected
// (a spurious event or a second one for the same change). coverage.* events are the audit's
// own and are left out; audit.* events (suspect_mass_removal) count as unexpected, the soaks
// keep their changes far below that guard.
struct Comparison {
  std::vector<EventKey> missing;
  std::vector<EventKey> unexpected;
  std::size_t compared = 0;         // recorded events of the compared types
  std::size_t coverage_events = 0;  // coverage.* events, left out
  bool ok() const noexcept { return missing.empty() && unexpected.empty(); }
};
Comparison compare(const std::vector<EventKey>& expected,
                   const std::vector<RecordedEvent>& recorded);

// The recorded event_ids missing from `delivered`.
std::vector<std::string> undelivered(const std::vector<RecordedEvent>& recorded,
                                     const std::vector<std::string>& delivered);
// How many entries of `ids` repeat an earlier one.
std::size_t repeats(const std::vector<std::string>& ids);

// The soaks' verdict: each failed check as one line naming what differs (up to a few items).
class Checks {
 public:
  void expect(bool holds, const std::string& failure);
  void expect_comparison(const Comparison& comparison);
  void expect_delivered(const std::string& sink, const std::vector<RecordedEvent>& recorded,
                        const std::vector<std::string>& delivered);
  const std::vector<std::string>& failures() const noexcept { return failures_; }
  bool ok() const noexcept { return failures_.empty(); }

 private:
  std::vector<std::string> failures_;
};

}  // namespace kda::test::soak
