// status_to_json: the JSON form of `status`, for scripts. Keys are stable; "" in the report
// (none) is null here, as in the event JSON.
#include "cli/status_report.hpp"

#include <boost/json.hpp>

namespace kda::cli {

namespace json = boost::json;

namespace {

json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::object poll_json(const PollRow& poll) {
  json::object object;
  object["poll_id"] = poll.poll_id;
  object["started_at"] = poll.started_at;
  object["finished_at"] = poll.finished_at;
  object["outcome"] = poll.outcome;
  object["requests"] = poll.requests;
  object["failures"] = poll.failures;
  object["events"] = poll.events;
  const std::optional<std::chrono::milliseconds> duration = poll_duration(poll);
  object["duration_ms"] =
      duration ? json::value(static_cast<std::int64_t>(duration->count())) : json::value(nullptr);
  object["error"] = text_or_null(poll.error);
  return object;
}

json::object failing_json(const FailingPair& pair) {
  json::object object;
  object["device_id"] = pair.device_id;
  object["device_name"] = text_or_null(pair.device_name);
  object["module_code"] = pair.module_code;
  const auto module = module_name(pair.module_code);
  object["module"] = module ? json::value(json::string(*module)) : json::value(nullptr);
  object["consecutive_failures"] = pair.consecutive_failures;
  object["failing_since"] =
      pair.failing_since ? json::value(*pair.failing_since) : json::value(nullptr);
  object["last_success_at"] = text_or_null(pair.last_success_at);
  object["last_attempt_at"] = pair.last_attempt_at;
  object["last_error"] = text_or_null(pair.last_error);
  return object;
}

json::object account_json(const AccountStatus& account, const StatusReport& report) {
  json::object object;
  object["account_id"] = account.account_id;
  object["name"] = text_or_null(account.name);
  json::array reasons;
  for (const std::string& reason : attention(account, report.now, report.poll_interval)) {
    reasons.emplace_back(reason);
  }
  object["attention"] = std::move(reasons);
  json::array polls;
  for (const PollRow& poll : account.polls) polls.emplace_back(poll_json(poll));
  object["polls"] = std::move(polls);
  json::array failing;
  for (const FailingPair& pair : account.failing) failing.emplace_back(failing_json(pair));
  object["failing_pairs"] = std::move(failing);
  return object;
}

}  // namespace

std::string status_to_json(const StatusReport& report) {
  json::object root;
  root["now"] = format_iso8601(report.now);
  root["ok"] = status_exit_code(report) == 0;
  root["poll_interval_ms"] = static_cast<std::int64_t>(report.poll_interval.count());
  json::array accounts;
  for (const AccountStatus& account : report.accounts) {
    accounts.emplace_back(account_json(account, report));
  }
  root["accounts"] = std::move(accounts);
  json::array unconfigured;
  for (const AccountRow& account : report.unconfigured) {
    unconfigured.emplace_back(
        json::object{{"account_id", account.account_id}, {"name", text_or_null(account.name)}});
  }
  root["unconfigured_accounts"] = std::move(unconfigured);
  root["last_seq"] = report.last_seq;
  json::array sinks;
  for (const SinkStatus& sink : report.sinks) {
    const auto time_or_null = [](const std::optional<SystemTime>& time) -> json::value {
      if (!time) return nullptr;
      return json::value(format_iso8601(*time));
    };
    sinks.emplace_back(json::object{{"name", sink.name},
                                    {"type", sink.type},
                                    {"cursor", sink.cursor},
                                    {"backlog", sink.backlog},
                                    {"state", sink_state(sink)},
                                    {"failures", sink.health.failures},
                                    {"failing_since", time_or_null(sink.health.failing_since)},
                                    {"last_error", text_or_null(sink.health.last_error)},
                                    {"next_attempt_at", time_or_null(sink.health.next_attempt_at)},
                                    {"disabled_at", time_or_null(sink.health.disabled_at)}});
  }
  root["sinks"] = std::move(sinks);
  return json::serialize(root);
}

}  // namespace kda::cli
