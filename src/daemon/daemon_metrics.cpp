#include "daemon/daemon_metrics.hpp"

namespace kda::daemon {

namespace {

// A poll of a few accounts takes seconds; of a large one, minutes.
const std::vector<double> poll_buckets{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
// One KooDrive request: tens of milliseconds, up to api.timeout (10 s by default).
const std::vector<double> request_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5,   1,    2.5,   5,    10,  30};

double to_seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double unix_seconds(SystemTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

DaemonMetrics::DaemonMetrics(std::chrono::steady_clock::time_point started, SystemTime started_wall,
                             std::string_view version)
    : polls_(registry_.counter("koodrive_audit_polls_total",
                               "Polls of an account by outcome (ok, partial, failed, cancelled).",
                               {"account", "outcome"})),
      poll_duration_(registry_.histogram("koodrive_audit_poll_duration_seconds",
                                         "Time to fetch, diff and commit one account's poll.",
                                         {"account"}, poll_buckets)),
      requests_(registry_.counter(
          "koodrive_audit_api_requests_total",
          "KooDrive API requests sent (retries included) by endpoint and HTTP status or error "
          "kind (timeout, connect, body_too_large, malformed, cancelled).",
          {"endpoint", "status"})),
      request_duration_(registry_.histogram("koodrive_audit_api_request_duration_seconds",
                                            "Time from sending a KooDrive API request to its "
                                            "answer or failure.",
                                            {"endpoint"}, request_buckets)),
      events_(registry_.counter("koodrive_audit_events_total",
                                "Audit events recorded, by type.", {"type"})),
      deliveries_(registry_.counter(
          "koodrive_audit_sink_deliveries_total",
          "Event deliveries to a sink: result ok counts events acknowledged, result failed "
          "counts failed attempts (the event is retried).",
          {"sink", "result"})),
      backlog_(registry_.gauge("koodrive_audit_sink_backlog_events",
                               "Events in the outbox not yet delivered to the sink.", {"sink"})),
      last_success_(registry_.gauge(
          "koodrive_audit_last_successful_poll_timestamp_seconds",
          "When the account's last ok or partial poll finished (Unix time).", {"account"})),
      failing_pairs_(registry_.gauge(
          "koodrive_audit_failing_pairs",
          "(device, module) pairs whose last scope fetch failed, per account and module.",
          {"account", "module"})),
      healthy_(registry_.gauge("koodrive_audit_healthy",
                               "1 when /healthz answers 200, else 0.")),
      clock_skew_(registry_.gauge(
          "koodrive_audit_api_clock_skew_seconds",
          "The KooDrive server's Date minus this host's clock at the last answer that carried "
          "one; KooDrive refuses an X-Date later than its own time.")),
      started_(started) {
  registry_.gauge("koodrive_audit_start_time_seconds", "When the daemon started (Unix time).")
      .set({}, unix_seconds(started_wall));
  registry_.gauge("koodrive_audit_build_info", "Always 1; the version is the label.", {"version"})
      .set({std::string(version)}, 1);
}

void DaemonMetrics::set_scope(const std::vector<std::string>& accounts,
                              const std::vector<int>& modules) {
  modules_ = modules;
  const std::set<std::string> kept(accounts.begin(), accounts.end());
  for (auto it = accounts_.begin(); it != accounts_.end();) {
    if (kept.contains(it->first)) {
      ++it;
      continue;
    }
    last_success_.erase_where("account", it->first);
    failing_pairs_.erase_where("account", it->first);
    it = accounts_.erase(it);
  }
  for (const std::string& account : accounts) {
    accounts_.try_emplace(account, AccountPollState{account, {}, {}, {}});
    for (const char* outcome : {"ok", "partial", "failed"}) polls_.add({account, outcome}, 0);
  }
}

void DaemonMetrics::set_sinks(const std::vector<std::string>& sinks) {
  for (const std::string& sink : sinks) {
    for (const char* result : {"ok", "failed"}) deliveries_.add({sink, result}, 0);
  }
}

void DaemonMetrics::on_request(const api::RequestRecord& record) {
  const std::string endpoint(record.endpoint);
  requests_.add({endpoint, std::string(record.status)});
  request_duration_.observe({endpoint}, to_seconds(record.duration));
}

void DaemonMetrics::on_poll(const PollReport& report, SystemTime finished_at,
                            std::chrono::steady_clock::time_point finished_steady) {
  polls_.add({report.account_id, report.outcome});
  poll_duration_.observe({report.account_id},
                         std::chrono::duration<double>(report.duration).count());
  for (const Change& change : report.changes) events_.add({std::string(to_string(change.type))});
  AccountPollState& state =
      accounts_.try_emplace(report.account_id, AccountPollState{report.account_id, {}, {}, {}})
          .first->second;
  state.last_outcome = report.outcome;
  state.last_error = report.error;
  if (report.outcome == "ok" || report.outcome == "partial") {
    state.last_success = finished_steady;
    last_success_.set({report.account_id}, unix_seconds(finished_at));
  }
  if (report.database_error) {
    database_error_ = report.error;
  } else if (report.outcome != "cancelled") {
    database_error_.reset();  // this poll committed
  }
}

void DaemonMetrics::set_failing_pairs(const std::string& account_id,
                                      const std::map<int, std::size_t>& by_module) {
  failing_pairs_.erase_where("account", account_id);
  for (int module : modules_) failing_pairs_.set({account_id, std::to_string(module)}, 0);
  for (const auto& [module, count] : by_module) {
    failing_pairs_.set({account_id, std::to_string(module)}, static_cast<double>(count));
  }
}

void DaemonMetrics::on_delivery(const std::string& sink, std::size_t delivered, bool failed) {
  if (delivered > 0) deliveries_.add({sink, "ok"}, static_cast<double>(delivered));
  if (failed) deliveries_.add({sink, "failed"});
}

void DaemonMetrics::set_backlogs(const std::map<std::string, std::int64_t>& events_by_sink) {
  backlog_.clear();
  for (const auto& [sink, events] : events_by_sink) backlog_.set({sink}, static_cast<double>(events));
}

HealthVerdict DaemonMetrics::health(std::chrono::milliseconds interval,
                                    std::chrono::steady_clock::time_point now) const {
  HealthInput input;
  input.started = started_;
  input.interval = interval;
  input.now = now;
  input.database_error = database_error_;
  for (const auto& [id, state] : accounts_) input.accounts.push_back(state);
  return judge_health(input);
}

std::string DaemonMetrics::render(const HealthVerdict& verdict) {
  healthy_.set({}, verdict.healthy ? 1 : 0);
  return metrics::render(registry_);
}

void DaemonMetrics::set_clock_skew(std::optional<std::chrono::seconds> skew) {
  if (skew) {
    clock_skew_.set({}, static_cast<double>(skew->count()));
  } else {
    clock_skew_.clear();
  }
}

}  // namespace kda::daemon
