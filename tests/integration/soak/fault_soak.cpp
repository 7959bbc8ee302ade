#include "fault_soak.hpp"

#include <boost/json.hpp>

#include <sstream>

#include "fault_plan.hpp"
#include "recorded_events.hpp"
#include "soak_site.hpp"
#include "soak_tenant.hpp"

namespace kda::test::soak {

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// A poll under faults takes a few hundred ms; this only catches a hung one.
constexpr auto poll_deadline = 60s;
// Latency faults stay well below the request timeout: they slow a fetch, never fail it.
constexpr int latency_ms = 100;
constexpr int most_clean_polls = 5;

std::string outcome_of(int exit_code) {
  switch (exit_code) {
    case 0: return "ok";
    case 2: return "partial";
    case 1: return "failed";
    case -1: return "hung";
    default: return "exit " + std::to_string(exit_code);
  }
}

std::uint64_t as_count(const json::value& value) {
  return static_cast<std::uint64_t>(value.to_number<std::int64_t>());
}

}  // namespace

FaultSoakReport run_fault_soak(const FaultSoakOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  FaultSoakReport report;
  Checks checks;
  SoakSite site({"fault", options.dir, options.devices, options.scopes_per_module, options.seed});
  site.write_config({.sinks = {"{type: jsonl, path: events.jsonl}"}});

  // The baseline, before any fault: later changes are news, earlier ones are the starting state.
  const int baseline = site.run_cli({"poll", "--once"}, poll_deadline);
  checks.expect(baseline == 0, "the baseline poll (no faults) ended " + outcome_of(baseline));
  SoakTenant tenant(site.sim(), options.seed);

  const std::vector<PlannedFault> plan = plan_faults(options.fault_fraction, options.seed,
                                                     latency_ms);
  std::map<std::uint64_t, std::string> label_of_rule;
  for (const PlannedFault& fault : plan) {
    const json::value added = sim_control(site.sim(), "POST", "/_sim/faults", fault.rule);
    label_of_rule[as_count(added.at("id"))] = fault.label;
  }
  sim_control(site.sim(), "POST", "/_sim/counters/reset");

  // Changes are spread over the first four fifths; the last fifth polls a settled tenant, which
  // is when a spurious event (a failure read as absence) would stand out.
  const int change_polls = std::max(1, options.polls * 4 / 5);
  for (int poll = 0; poll < options.polls; ++poll) {
    const int due = options.changes * std::min(poll + 1, change_polls) / change_polls;
    while (tenant.change_count() < due) tenant.change();
    const int exit_code = site.run_cli({"poll", "--once"}, poll_deadline);
    ++report.poll_outcomes[outcome_of(exit_code)];
    ++report.polls;
    checks.expect(exit_code == 0 || exit_code == 1 || exit_code == 2,
                  "poll " + std::to_string(poll) + " ended " + outcome_of(exit_code));
  }

  const json::value counters = site.sim().counters();
  report.requests = as_count(counters.at("total"));
  const json::value rules = sim_control(site.sim(), "GET", "/_sim/faults");
  for (const json::value& rule : rules.at("faults").as_array()) {
    const std::uint64_t fired = as_count(rule.at("fired"));
    report.faults[label_of_rule[as_count(rule.at("id"))]] = fired;
    report.faults_total += fired;
  }
  sim_control(site.sim(), "DELETE", "/_sim/faults");

  // An ok poll fetched the device list and every pair after the last change: it has seen
  // everything, so from here on nothing may be missing.
  for (int exit_code = -2; exit_code != 0 && report.clean_polls < most_clean_polls;) {
    exit_code = site.run_cli({"poll", "--once"}, poll_deadline);
    ++report.clean_polls;
    checks.expect(exit_code == 0 || report.clean_polls < most_clean_polls,
                  std::to_string(most_clean_polls) + " polls without faults, none ok");
  }

  const std::vector<RecordedEvent> recorded = read_events(site.database());
  const Comparison comparison = compare(tenant.expected(), recorded);
  checks.expect_comparison(comparison);
  const JsonlContent jsonl = read_jsonl(site.dir() / "events.jsonl");
  checks.expect_delivered("jsonl", recorded, jsonl.event_ids);
  checks.expect(jsonl.torn_lines == 0,
                "events.jsonl: " + std::to_string(jsonl.torn_lines) + " lines are not an event");
  checks.expect(report.faults_total > 0, "no fault fired");

  report.changes = tenant.changes();
  report.change_count = tenant.change_count();
  report.expected_events = tenant.expected().size();
  report.recorded_events = comparison.compared;
  report.coverage_events = comparison.coverage_events;
  report.jsonl_lines = jsonl.event_ids.size();
  report.failures = checks.failures();
  if (!report.ok() || options.keep) {
    site.keep();
    report.dir = site.dir().string();
  }
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

std::string describe(const FaultSoakReport& report) {
  std::ostringstream out;
  out << "fault soak: " << (report.ok() ? "PASS" : "FAIL") << " in " << report.elapsed.count()
      << " ms\n";
  out << "  polls under faults: " << report.polls << " (";
  const char* separator = "";
  for (const auto& [outcome, count] : report.poll_outcomes) {
    out << separator << outcome << " " << count;
    separator = ", ";
  }
  out << "), then " << report.clean_polls << " clean\n";
  out << "  requests: " << report.requests << ", faults fired: " << report.faults_total << " = "
      << (report.requests == 0 ? 0.0 : 100.0 * static_cast<double>(report.faults_total) /
                                           static_cast<double>(report.requests))
      << " % of requests (latency can come on top of another fault)\n";
  for (const auto& [label, fired] : report.faults) out << "    " << label << ": " << fired << "\n";
  out << "  changes made: " << report.change_count << " (";
  separator = "";
  for (const auto& [type, count] : report.changes) {
    out << separator << type << " " << count;
    separator = ", ";
  }
  out << ")\n";
  out << "  events expected: " << report.expected_events
      << ", recorded: " << report.recorded_events << " (+ " << report.coverage_events
      << " coverage.*), JSONL lines: " << report.jsonl_lines << "\n";
  for (const std::string& failure : report.failures) out << "  FAILED: " << failure << "\n";
  if (!report.dir.empty()) out << "  kept: " << report.dir << "\n";
  return out.str();
}

}  // namespace kda::test::soak
