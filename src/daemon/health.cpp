#include "daemon/health.hpp"

namespace kda::daemon {

namespace {

std::string seconds(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

}  // namespace

HealthVerdict judge_health(const HealthInput& input) {
  HealthVerdict verdict;
  const auto limit = 2 * input.interval;
  for (const AccountPollState& account : input.accounts) {
    const auto since = account.last_success.value_or(input.started);
    const auto age = input.now - since;
    if (age <= limit) continue;
    std::string reason = "account " + account.account_id + ": ";
    reason += account.last_success ? "last successful poll " + seconds(age) + " ago"
                                   : "no successful poll since the start " + seconds(age) + " ago";
    reason += " (limit 2 x poll.interval = " + seconds(limit) + ")";
    if (!account.last_outcome.empty()) {
      reason += "; last poll " + account.last_outcome;
      if (!account.last_error.empty()) reason += ": " + account.last_error;
    }
    verdict.reasons.push_back(std::move(reason));
  }
  if (input.database_error) {
    verdict.reasons.push_back("database not writable: the last commit failed: " +
                              *input.database_error);
  }
  verdict.healthy = verdict.reasons.empty();
  return verdict;
}

std::string health_body(const HealthVerdict& verdict) {
  if (verdict.healthy) return "ok\n";
  std::string body = "unhealthy\n";
  for (const std::string& reason : verdict.reasons) body += reason + "\n";
  return body;
}

}  // namespace kda::daemon
