// The Daemon's side of the metrics endpoint: the hooks that feed DaemonMetrics, the listener's
// life across start, reload and stop, and the answers to a scrape.
#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include "daemon/wiring.hpp"

namespace kda::daemon {

using std::chrono::steady_clock;

api::ClientOptions Daemon::observed_client_options(const Config& config) {
  api::ClientOptions options = client_options(config);
  options.observer = [this](const api::RequestRecord& record) { metrics_.on_request(record); };
  return options;
}

Result<std::shared_ptr<MetricsServer>> Daemon::listen_metrics(const MetricsConfig& metrics) {
  auto server = MetricsServer::listen(io_.get_executor(), metrics.listen,
                                      [this](std::string_view path) { return answer_scrape(path); });
  if (server) spdlog::info("metrics.listening address={}", to_string((*server)->local_endpoint()));
  return server;
}

void Daemon::scope_metrics() {
  std::vector<std::string> accounts;
  for (const AccountConfig& account : config_.accounts) {
    if (in_shard(account.user_id, config_.shard)) accounts.push_back(account.user_id);
  }
  metrics_.set_scope(accounts, config_.modules);
}

void Daemon::apply_metrics(const MetricsConfig& running) {
  scope_metrics();
  if (config_.metrics == running) return;
  if (!config_.metrics.enabled) {
    if (metrics_server_) metrics_server_->stop();
    metrics_server_.reset();
    spdlog::info("metrics.stopped reason=\"metrics.enabled is false\"");
    return;
  }
  // Bound before the old one closes, so that a bad address leaves the endpoint where it was.
  // (A move that overlaps the old address and port, say 127.0.0.1:9464 → 0.0.0.0:9464, is
  // refused as "in use" for that reason and needs a restart; the log says so.)
  auto server = listen_metrics(config_.metrics);
  if (!server) {
    spdlog::error("reload.metrics_kept error=\"{}\" serving={}", server.error().message(),
                  metrics_server_ ? to_string(metrics_server_->local_endpoint()) : "nothing");
    config_.metrics = running;
    return;
  }
  if (metrics_server_) metrics_server_->stop();
  metrics_server_ = *server;
}

void Daemon::record_polls(const std::vector<PollReport>& reports) {
  const auto finished = steady_clock::now();
  for (const PollReport& report : reports) {
    if (report.outcome == "cancelled") continue;
    metrics_.on_poll(report, clock_.now(), finished);
    if (report.database_error) continue;
    try {
      std::map<int, std::size_t> by_module;
      for (const FailingPair& pair : store_.failing_pairs(report.account_id)) {
        ++by_module[pair.module_code];
      }
      metrics_.set_failing_pairs(report.account_id, by_module);
    } catch (const std::exception& error) {
      spdlog::warn("metrics.failing_pairs_not_read account={} error=\"{}\"", report.account_id,
                   error.what());
    }
  }
}

HttpAnswer Daemon::answer_scrape(std::string_view path) {
  const HealthVerdict verdict = metrics_.health(config_.poll.interval, steady_clock::now());
  if (path == "/healthz") {
    return {verdict.healthy ? 200u : 503u, "text/plain; charset=utf-8", health_body(verdict)};
  }
  if (path != "/metrics") return {404, "text/plain; charset=utf-8", "not found: try /metrics or /healthz\n"};
  // The backlog is read at scrape time: an indexed count per sink, a read that WAL never
  // blocks behind the daemon's own writes.
  std::map<std::string, std::int64_t> backlog;
  for (const auto& [name, worker] : workers_) {
    const std::vector<std::string> types(worker->types().begin(), worker->types().end());
    backlog[name] = store_.backlog(name, types);
  }
  metrics_.set_backlogs(backlog);
  return {200, std::string(metrics::content_type), metrics_.render(verdict)};
}

}  // namespace kda::daemon
