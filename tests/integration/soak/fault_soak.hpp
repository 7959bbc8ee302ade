#pragma once
// The fault soak (issue #6): `koodrive-audit poll --once`, again and again, against a koodrive-sim
// that disturbs a share of all requests on both endpoints with every fault it has (latency, 429
// with Retry-After, 500, 503, code != 0, malformed, truncated, wrong types, dropped connections,
// hung requests), while the change script (soak_tenant.hpp) makes real changes between polls.
// Then the faults stop, clean polls run until one is ok, and the recorded events must be exactly
// the changes: none missing, none spurious, none twice; the JSONL sink must hold every event.
//
// run_fault_soak() blocks; it throws only when the world cannot be set up (the simulator does
// not start); every failed check is a line in the report's `failures`.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace kda::test::soak {

struct FaultSoakOptions {
  int polls = 300;              // polls under faults
  double fault_fraction = 0.30;  // share of requests that get a fault, on each endpoint
  int changes = 60;             // made during the first four fifths of the polls
  std::uint64_t seed = 1;
  int devices = 12;
  int scopes_per_module = 2;
  std::filesystem::path dir;  // empty: a fresh temp directory
  bool keep = false;          // keep the directory even when every check holds
};

struct FaultSoakReport {
  int polls = 0;
  std::map<std::string, int> poll_outcomes;  // by exit code: ok / partial / failed
  int clean_polls = 0;                       // after the faults stopped, until one was ok
  std::uint64_t requests = 0;                // KooDrive requests during the faulty polls
  std::map<std::string, std::uint64_t> faults;  // "scopes status 503" → times it fired
  std::uint64_t faults_total = 0;
  std::map<std::string, int> changes;  // by type
  int change_count = 0;
  std::size_t expected_events = 0;
  std::size_t recorded_events = 0;  // of the compared types (coverage.* left out)
  std::size_t coverage_events = 0;
  std::size_t jsonl_lines = 0;
  std::chrono::milliseconds elapsed{0};
  std::string dir;  // kept when a check failed
  std::vector<std::string> failures;
  bool ok() const noexcept { return failures.empty(); }
};

FaultSoakReport run_fault_soak(const FaultSoakOptions& options);
// The figures, one per line, and every failure.
std::string describe(const FaultSoakReport& report);

}  // namespace kda::test::soak
