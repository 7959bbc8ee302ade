// format_status: the text form of `status`.
#include "cli/status_report.hpp"

#include "cli/table.hpp"

#include <chrono>

namespace kda::cli {

namespace {

std::string account_heading(const AccountStatus& account, SystemTime now) {
  std::string text = "account ";
  text +=
      account.name.empty() ? account.account_id : account.name + " (" + account.account_id + ")";
  if (account.polls.empty()) return text + ": never polled";
  const PollRow& last = account.polls.front();
  text += ": last poll " + last.outcome;
  if (const std::optional<SystemTime> finished = parse_iso8601(last.finished_at)) {
    text += ", " +
            format_age(std::chrono::duration_cast<std::chrono::milliseconds>(now - *finished)) +
            " ago";
  }
  return text;
}

std::string polls_table(const std::vector<PollRow>& polls) {
  std::vector<std::vector<std::string>> rows;
  for (const PollRow& poll : polls) {
    const std::optional<std::chrono::milliseconds> duration = poll_duration(poll);
    rows.push_back({poll.started_at, poll.outcome, std::to_string(poll.requests),
                    std::to_string(poll.failures), std::to_string(poll.events),
                    duration ? format_duration(*duration) : "?", poll.error});
  }
  return format_table({{"STARTED_AT"},
                       {"OUTCOME"},
                       {"REQUESTS", true},
                       {"FAILURES", true},
                       {"EVENTS", true},
                       {"DURATION", true},
                       {"ERROR"}},
                      rows, "  ");
}

std::string failing_table(const std::vector<FailingPair>& pairs) {
  std::vector<std::vector<std::string>> rows;
  for (const FailingPair& pair : pairs) {
    const auto module = module_name(pair.module_code);
    rows.push_back(
        {pair.device_name.empty() ? pair.device_id : pair.device_name + " (" + pair.device_id + ")",
         module ? std::string(*module) : std::to_string(pair.module_code),
         std::to_string(pair.consecutive_failures), pair.failing_since.value_or("?"),
         pair.last_success_at.empty() ? "never" : pair.last_success_at, pair.last_error});
  }
  return format_table({{"DEVICE"},
                       {"MODULE"},
                       {"FAILURES", true},
                       {"FAILING_SINCE"},
                       {"LAST_SUCCESS"},
                       {"LAST_ERROR"}},
                      rows, "    ");
}

std::string sinks_table(const std::vector<SinkStatus>& sinks) {
  std::vector<std::vector<std::string>> rows;
  for (const SinkStatus& sink : sinks) {
    rows.push_back({sink.name, sink.type, std::to_string(sink.cursor),
                    std::to_string(sink.backlog), sink_state(sink)});
  }
  return format_table({{"NAME"}, {"TYPE"}, {"CURSOR", true}, {"BACKLOG", true}, {"STATE"}}, rows,
                      "  ");
}

}  // namespace

std::string format_status(const StatusReport& report) {
  std::string out;
  std::string needs_attention;
  for (const AccountStatus& account : report.accounts) {
    out += terminal_safe(account_heading(account, report.now)) + "\n";
    if (!account.polls.empty()) {
      out += polls_table(account.polls);
      if (account.failing.empty()) {
        out += "  no failing (device, module) pairs\n";
      } else {
        out += "  failing (device, module) pairs:\n" + failing_table(account.failing);
      }
    }
    out += '\n';
    for (const std::string& reason : attention(account, report.now, report.poll_interval)) {
      needs_attention += needs_attention.empty() ? "attention: " : "; ";
      needs_attention += (account.name.empty() ? account.account_id : account.name) + ": " + reason;
    }
  }
  if (!report.unconfigured.empty()) {
    std::string line = "in the database but not in the config:";
    for (const AccountRow& account : report.unconfigured) {
      line += " " + account.account_id;
      if (!account.name.empty()) line += " (" + account.name + ")";
    }
    out += terminal_safe(line) + "\n\n";
  }
  out += "sinks (events up to seq " + std::to_string(report.last_seq) + ")\n";
  out += report.sinks.empty() ? "  none configured\n" : sinks_table(report.sinks);
  for (const SinkStatus& sink : report.sinks) {
    for (const std::string& reason : attention(sink)) {
      needs_attention += needs_attention.empty() ? "attention: " : "; ";
      needs_attention += "sink " + sink.name + ": " + reason;
    }
  }
  if (!needs_attention.empty()) out += "\n" + terminal_safe(needs_attention) + "\n";
  return out;
}

}  // namespace kda::cli
