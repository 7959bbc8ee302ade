#include "crash_soak.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <random>
#include <sstream>
#include <thread>

#include "recorded_events.hpp"
#include "soak_site.hpp"
#include "soak_tenant.hpp"
#include "support/wait.hpp"
#include "webhook_receiver.hpp"

namespace kda::test::soak {

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
namespace json = boost::json;

constexpr const char* webhook_secret = "whsec_Y3Jhc2gtc29hay13ZWJob29rLXNlY3JldA==";
constexpr auto start_deadline = 10s;
constexpr auto exit_deadline = 10s;
constexpr auto quiescence_deadline = 60s;
// An aimed kill comes this long at most after the poll's first request: mostly within the poll,
// which the slowed simulator stretches to about half a second, sometimes in its commit or the
// deliveries after it.
constexpr milliseconds longest_aim{700};

std::int64_t counter(const SimProcess& sim, const char* name) {
  return sim.counters().at(name).to_number<std::int64_t>();
}

// The database may not exist yet, or be mid-migration: that reads as "not yet".
template <class Read>
auto read_or(Read read, decltype(read()) fallback) {
  try {
    return read();
  } catch (const std::exception&) {
    return fallback;
  }
}

int ok_polls(const SoakSite& site) {
  return read_or([&] { return read_poll_outcomes(site.database())["ok"]; }, 0);
}

int polls(const SoakSite& site) {
  return read_or(
      [&] {
        int total = 0;
        for (const auto& [outcome, count] : read_poll_outcomes(site.database())) total += count;
        return total;
      },
      0);
}

std::size_t change_events(const SoakSite& site) {
  return read_or(
      [&] {
        const std::vector<RecordedEvent> events = read_events(site.database());
        return static_cast<std::size_t>(
            std::count_if(events.begin(), events.end(), [](const RecordedEvent& event) {
              return event.key.type.rfind("coverage.", 0) != 0;
            }));
      },
      std::size_t{0});
}

// Every sink's cursor at the last event (and at least one event recorded).
bool sinks_caught_up(const SoakSite& site, std::size_t sinks) {
  return read_or(
      [&] {
        const std::vector<RecordedEvent> events = read_events(site.database());
        if (events.empty()) return false;
        const std::map<std::string, std::int64_t> cursors = read_sink_cursors(site.database());
        if (cursors.size() < sinks) return false;
        for (const auto& [sink, last_seq] : cursors) {
          if (last_seq != events.back().seq) return false;
        }
        return true;
      },
      false);
}

// `koodrive-audit verify --config …`: the hash chain and the replay of the events against the
// live snapshot (issue #6); 0 when both hold.
int run_verify(const SoakSite& site) { return site.run_cli({"verify"}, 60s); }

}  // namespace

CrashSoakReport run_crash_soak(const CrashSoakOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  CrashSoakReport report;
  Checks checks;
  std::mt19937_64 random(options.seed);
  WebhookReceiver receiver({webhook_secret});
  SoakSite site({"crash", options.dir, options.devices, options.scopes_per_module, options.seed});
  site.write_secret("webhook-secret", webhook_secret);
  site.write_config({.timeout = "2s",
                     .max_concurrency = 4,
                     .interval = "1s",
                     .sinks = {"{type: jsonl, path: events.jsonl}",
                               "{type: webhook, url: \"" + receiver.url() +
                                   "\", secret_file: webhook-secret, timeout: 2s, "
                                   "max_backoff: 1s}"}});
  constexpr std::size_t sinks = 3;  // log, jsonl, webhook

  // The baseline, run to a clean stop, so that every later change is news.
  {
    auto daemon = site.start_daemon();
    checks.expect(wait_until([&] { return ok_polls(site) >= 1; }, 30s, 20ms),
                  "the baseline poll never finished ok");
    daemon->signal(SIGTERM);
    checks.expect(daemon->wait_exit(exit_deadline) == 0, "the baseline run did not stop cleanly");
  }
  SoakTenant tenant(site.sim(), options.seed);

  // Every request is slowed, some more: a poll lasts long enough to be killed in the middle.
  sim_control(site.sim(), "POST", "/_sim/faults", R"({"kind":"latency","ms":20})");
  sim_control(site.sim(), "POST", "/_sim/faults",
              R"({"kind":"latency","ms":150,"endpoint":"scopes","fraction":0.3,"seed":)" +
                  std::to_string(options.seed) + "}");

  for (int run = 0; run < options.kills; ++run) {
    const int changes = std::uniform_int_distribution<int>(1, options.most_changes_per_run)(random);
    for (int i = 0; i < changes; ++i) tenant.change();
    const std::int64_t requests_before = counter(site.sim(), "total");
    const int polls_before = polls(site);
    auto daemon = site.start_daemon();

    // Half the kills wait for the poll's first request and come within it; the others come at
    // any moment of the run: at start-up, mid-poll, mid-commit, mid-delivery, between polls. The
    // random wait *is* the test (a kill at a moment nobody chose), not a wait for a condition.
    const bool aimed = std::bernoulli_distribution(0.5)(random);
    milliseconds delay{std::uniform_int_distribution<std::int64_t>(
        0, (aimed ? longest_aim : options.longest_run).count())(random)};
    if (aimed) {
      ++report.kills_aimed_at_polls;
      checks.expect(wait_until([&] { return counter(site.sim(), "total") > requests_before; },
                               start_deadline, 2ms),
                    "run " + std::to_string(run) + ": no poll started within 10 s");
    }
    std::this_thread::sleep_for(delay);
    const bool in_flight = counter(site.sim(), "in_flight") > 0;
    const bool unrecorded = change_events(site) < tenant.expected().size();
    report.kills_with_requests_in_flight += in_flight ? 1 : 0;
    report.kills_with_changes_unrecorded += unrecorded ? 1 : 0;
    report.kills_in_a_poll_with_changes += in_flight && unrecorded ? 1 : 0;
    if (polls(site) > polls_before) ++report.kills_after_a_commit;
    daemon->signal(SIGKILL);
    const std::optional<int> exit = daemon->wait_exit(exit_deadline);
    checks.expect(exit == 128 + SIGKILL, "run " + std::to_string(run) + ": the daemon ended with " +
                                             (exit ? std::to_string(*exit) : "nothing") +
                                             ", not SIGKILL");
    ++report.kills;
  }

  // The last run: to an ok poll (it sees every change) and every sink caught up, then a clean
  // stop.
  {
    const int ok_before = ok_polls(site);
    auto daemon = site.start_daemon();
    checks.expect(wait_until(
                      [&] {
                        return ok_polls(site) > ok_before && sinks_caught_up(site, sinks);
                      },
                      quiescence_deadline, 50ms),
                  "no quiescence within 60 s (an ok poll and every sink cursor at the last seq)");
    daemon->signal(SIGTERM);
    checks.expect(daemon->wait_exit(exit_deadline) == 0, "the last run did not stop cleanly");
  }

  checks.expect(report.kills_in_a_poll_with_changes >= options.required_kills_in_a_poll_with_changes,
                "only " + std::to_string(report.kills_in_a_poll_with_changes) +
                    " kills came while a poll with changes was in flight, fewer than the " +
                    std::to_string(options.required_kills_in_a_poll_with_changes) + " required");
  report.integrity = integrity_check(site.database());
  checks.expect(report.integrity == "ok", "PRAGMA integrity_check: " + report.integrity);
  report.verify_exit = run_verify(site);
  checks.expect(report.verify_exit == 0,
                "koodrive-audit verify exited " + std::to_string(*report.verify_exit) +
                    " (the hash chain or the replay of the events disagrees)");

  const std::vector<RecordedEvent> recorded = read_events(site.database());
  const Comparison comparison = compare(tenant.expected(), recorded);
  checks.expect_comparison(comparison);
  std::vector<std::string> ids;
  for (const RecordedEvent& event : recorded) ids.push_back(event.event_id);
  checks.expect(repeats(ids) == 0, std::to_string(repeats(ids)) + " event_ids recorded twice");

  const JsonlContent jsonl = read_jsonl(site.dir() / "events.jsonl");
  checks.expect_delivered("jsonl", recorded, jsonl.event_ids);
  checks.expect(jsonl.torn_lines == 0, "events.jsonl: " + std::to_string(jsonl.torn_lines) +
                                           " lines are not an event (torn by a kill?)");
  const std::vector<std::string> accepted = receiver.accepted_ids();
  checks.expect_delivered("webhook", recorded, accepted);

  report.changes = tenant.changes();
  report.change_count = tenant.change_count();
  report.poll_outcomes = read_poll_outcomes(site.database());
  report.expected_events = tenant.expected().size();
  report.recorded_events = comparison.compared;
  report.coverage_events = comparison.coverage_events;
  report.jsonl_lines = jsonl.event_ids.size();
  report.jsonl_repeats = repeats(jsonl.event_ids);
  report.jsonl_torn_lines = jsonl.torn_lines;
  report.webhook_accepted = accepted.size();
  report.webhook_repeats = repeats(accepted);
  report.failures = checks.failures();
  if (!report.ok() || options.keep) {
    site.keep();
    report.dir = site.dir().string();
  }
  report.elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() -
                                                            started);
  return report;
}

std::string describe(const CrashSoakReport& report) {
  std::ostringstream out;
  out << "crash soak: " << (report.ok() ? "PASS" : "FAIL") << " in " << report.elapsed.count()
      << " ms\n";
  out << "  kills (SIGKILL): " << report.kills << ", aimed at a poll: "
      << report.kills_aimed_at_polls << ", with requests in flight: "
      << report.kills_with_requests_in_flight << ", with changes not yet recorded: "
      << report.kills_with_changes_unrecorded << ", after the run committed a poll: "
      << report.kills_after_a_commit << "\n  kills while a poll with changes was in flight (both): "
      << report.kills_in_a_poll_with_changes << "\n";
  out << "  changes made: " << report.change_count << " (";
  const char* separator = "";
  for (const auto& [type, count] : report.changes) {
    out << separator << type << " " << count;
    separator = ", ";
  }
  out << ")\n  polls recorded: ";
  separator = "";
  for (const auto& [outcome, count] : report.poll_outcomes) {
    out << separator << outcome << " " << count;
    separator = ", ";
  }
  out << "\n  events expected: " << report.expected_events
      << ", recorded: " << report.recorded_events << " (+ " << report.coverage_events
      << " coverage.*)\n";
  out << "  JSONL lines: " << report.jsonl_lines << " (" << report.jsonl_repeats
      << " redelivered, " << report.jsonl_torn_lines << " torn); webhook accepted: "
      << report.webhook_accepted << " (" << report.webhook_repeats << " redelivered)\n";
  out << "  integrity_check: " << report.integrity << "; verify exit: "
      << (report.verify_exit ? std::to_string(*report.verify_exit) : "not run") << "\n";
  for (const std::string& failure : report.failures) out << "  FAILED: " << failure << "\n";
  if (!report.dir.empty()) out << "  kept: " << report.dir << "\n";
  return out.str();
}

}  // namespace kda::test::soak
