#pragma once
// What the daemon counts about itself, for GET /metrics and GET /healthz (README "Metrics"
// lists every metric). Updated from the daemon's hooks (a request sent, a poll finished, a
// batch delivered); rendered on demand. No I/O: the sink backlog and failing pairs are read
// from the store by the caller and passed in.
//
// Labels stay bounded: account ids, outcomes, endpoint names, HTTP codes or error kinds, event
// types, sink names, module codes — never a device id or an error text.
// Single-threaded: used from the daemon's io_context only.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/health.hpp"
#include "daemon/poll_cycle.hpp"
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/metrics.hpp"

namespace kda::daemon {

class DaemonMetrics {
 public:
  // `started`: when the daemon started (the healthz grace counts from it); `version` goes into
  // koodrive_audit_build_info.
  DaemonMetrics(std::chrono::steady_clock::time_point started, SystemTime started_wall,
                std::string_view version);

  // The accounts polled and the modules fetched, at start and after a reload: their series
  // start at 0 (so rate() sees the first increase), and an account no longer polled loses
  // its gauges and its health entry.
  void set_scope(const std::vector<std::string>& accounts, const std::vector<int>& modules);
  void set_sinks(const std::vector<std::string>& sinks);

  void on_request(const api::RequestRecord& record);
  // A finished poll (not a cancelled one): counts, duration, events by type, last success,
  // and the database health (a report with database_error set means the commit failed).
  void on_poll(const PollReport& report, SystemTime finished_at,
               std::chrono::steady_clock::time_point finished_steady);
  // The account's failing (device, module) pairs now, counted per module.
  void set_failing_pairs(const std::string& account_id, const std::map<int, std::size_t>& by_module);
  // One drain of a sink's outbox: `delivered` events acknowledged, then `failed` (the event at
  // the head could not be delivered).
  void on_delivery(const std::string& sink, std::size_t delivered, bool failed);
  // Every sink's backlog now; a sink not named loses its series.
  void set_backlogs(const std::map<std::string, std::int64_t>& events_by_sink);
  // The server's Date minus this host's clock at the last answer that carried one; none (no
  // answer had a Date yet) leaves the gauge absent.
  void set_clock_skew(std::optional<std::chrono::seconds> skew);

  HealthVerdict health(std::chrono::milliseconds interval,
                       std::chrono::steady_clock::time_point now) const;
  // Sets koodrive_audit_healthy from `verdict`, then renders every family.
  std::string render(const HealthVerdict& verdict);

  const metrics::Registry& registry() const noexcept { return registry_; }

 private:
  metrics::Registry registry_;
  metrics::Family& polls_;
  metrics::Family& poll_duration_;
  metrics::Family& requests_;
  metrics::Family& request_duration_;
  metrics::Family& events_;
  metrics::Family& deliveries_;
  metrics::Family& backlog_;
  metrics::Family& last_success_;
  metrics::Family& failing_pairs_;
  metrics::Family& healthy_;
  metrics::Family& clock_skew_;
  std::chrono::steady_clock::time_point started_;
  std::map<std::string, AccountPollState> accounts_;
  std::vector<int> modules_;
  std::optional<std::string> database_error_;
};

}  // namespace kda::daemon
