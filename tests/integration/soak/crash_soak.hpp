#pragma once
// The crash soak (issue #6): `koodrive-audit daemon` with a JSONL and a webhook sink is killed
// with SIGKILL at random moments, again and again, each run starting with real changes still to
// be seen (soak_tenant.hpp), half of the kills aimed into a poll while its requests are in
// flight (the simulator slows every request). Then one last run reaches quiescence (an ok poll,
// every sink cursor at the last event) and stops cleanly, and:
//  - PRAGMA integrity_check is ok and `koodrive-audit verify` passes;
//  - the recorded events are exactly the changes: none missing, none twice, event_ids unique;
//  - the JSONL file and the webhook receiver have every event_id at least once.
//
// run_crash_soak() blocks; it throws only when the world cannot be set up; every failed check
// is a line in the report's `failures`.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kda::test::soak {

struct CrashSoakOptions {
  int kills = 50;
  int most_changes_per_run = 2;  // made before each start (at least one)
  int required_kills_in_a_poll_with_changes = 0;  // fewer is a failure (issue #6: 50)
  std::uint64_t seed = 1;        // the tenant, the changes and the kill moments
  int devices = 12;
  int scopes_per_module = 2;
  std::chrono::milliseconds longest_run{2500};  // a kill not aimed at a poll comes before this
  std::filesystem::path dir;
  bool keep = false;
};

struct CrashSoakReport {
  int kills = 0;
  int kills_aimed_at_polls = 0;
  int kills_with_requests_in_flight = 0;  // the simulator had a request open just before
  int kills_with_changes_unrecorded = 0;  // some change made so far had no event yet
  int kills_after_a_commit = 0;           // the run had committed a poll (then delivered…)
  int kills_in_a_poll_with_changes = 0;   // requests in flight and changes unrecorded
  std::map<std::string, int> changes;
  int change_count = 0;
  std::map<std::string, int> poll_outcomes;  // the polls table at the end
  std::size_t expected_events = 0;
  std::size_t recorded_events = 0;  // of the compared types
  std::size_t coverage_events = 0;
  std::size_t jsonl_lines = 0, jsonl_repeats = 0, jsonl_torn_lines = 0;
  std::size_t webhook_accepted = 0, webhook_repeats = 0;
  std::string integrity;
  std::optional<int> verify_exit;
  std::chrono::milliseconds elapsed{0};
  std::string dir;
  std::vector<std::string> failures;
  bool ok() const noexcept { return failures.empty(); }
};

CrashSoakReport run_crash_soak(const CrashSoakOptions& options);
std::string describe(const CrashSoakReport& report);

}  // namespace kda::test::soak
