#include "cli/status_report.hpp"

#include <cstdio>

namespace kda::cli {

namespace {

using std::chrono::milliseconds;

// Two units are enough to read at a glance (the exact instants are in the table); a zero
// second unit is left out: "5m", not "5m00s".
std::string two_units(long long big, const char* big_unit, long long small,
                      const char* small_unit) {
  if (small == 0) return std::to_string(big) + big_unit;
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%lld%s%02lld%s", big, big_unit, small, small_unit);
  return buffer;
}

}  // namespace

std::vector<std::string> attention(const AccountStatus& account, SystemTime now,
                                   Duration poll_interval) {
  if (account.polls.empty()) return {"never polled"};
  std::vector<std::string> reasons;
  const PollRow& last = account.polls.front();
  if (last.outcome != "ok") reasons.push_back("last poll " + last.outcome);
  // The daemon polls every interval (plus jitter, at most half of it); twice the interval
  // without a poll means it is not running, or its polls hang.
  if (const std::optional<SystemTime> finished = parse_iso8601(last.finished_at)) {
    const auto age = std::chrono::duration_cast<milliseconds>(now - *finished);
    if (poll_interval.count() > 0 && age > 2 * poll_interval) {
      reasons.push_back("no poll for " + format_age(age) + " (poll.interval " +
                        format_age(poll_interval) + ")");
    }
  } else {
    reasons.push_back("last poll has an unreadable finished_at '" + last.finished_at + "'");
  }
  return reasons;
}

std::vector<std::string> attention(const SinkStatus& sink) {
  std::vector<std::string> reasons;
  if (sink.health.disabled_at) {
    reasons.push_back("disabled (410 Gone); reload or restart the daemon to retry");
  } else if (sink.health.failures >= sink_attention_failures) {
    reasons.push_back("failing (" + std::to_string(sink.health.failures) + " deliveries in a row)");
  }
  return reasons;
}

std::string sink_state(const SinkStatus& sink) {
  const SinkHealth& health = sink.health;
  if (health.disabled_at) {
    return "disabled since " + format_iso8601(*health.disabled_at) + ": " + health.last_error;
  }
  if (health.failures == 0) return "ok";
  std::string state = "failing";
  if (health.failing_since) state += " since " + format_iso8601(*health.failing_since);
  state += " (" + std::to_string(health.failures) +
           (health.failures == 1 ? " failure)" : " failures)");
  if (health.next_attempt_at) state += ", next try " + format_iso8601(*health.next_attempt_at);
  return state + ": " + health.last_error;
}

int status_exit_code(const StatusReport& report) {
  for (const AccountStatus& account : report.accounts) {
    if (!attention(account, report.now, report.poll_interval).empty()) {
      return status_exit_attention;
    }
  }
  for (const SinkStatus& sink : report.sinks) {
    if (!attention(sink).empty()) return status_exit_attention;
  }
  return 0;
}

std::optional<milliseconds> poll_duration(const PollRow& poll) {
  const std::optional<SystemTime> started = parse_iso8601(poll.started_at);
  const std::optional<SystemTime> finished = parse_iso8601(poll.finished_at);
  if (!started || !finished) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(*finished - *started);
}

std::string format_duration(milliseconds d) {
  const long long ms = d.count() < 0 ? 0 : static_cast<long long>(d.count());
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%lld.%llds", ms / 1000, (ms % 1000) / 100);
    return buffer;
  }
  return two_units(ms / 60'000, "m", (ms / 1000) % 60, "s");
}

std::string format_age(milliseconds d) {
  const long long s = d.count() < 0 ? 0 : static_cast<long long>(d.count() / 1000);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return two_units(s / 60, "m", s % 60, "s");
  if (s < 86'400) return two_units(s / 3600, "h", (s / 60) % 60, "m");
  return two_units(s / 86'400, "d", (s / 3600) % 24, "h");
}

}  // namespace kda::cli
