#pragma once
// What GET /healthz answers (pure: the caller passes the state and `now`).
//
// Healthy when, for every account this instance polls, the last successful poll (outcome ok
// or partial: the device list was read and the poll committed) finished within
// 2 × poll.interval of `now` — an account not yet polled counts from the daemon's start, which
// covers the first poll with or without run_on_start — and the last database commit succeeded.
// One failed poll is not unhealthy by itself: the next one may succeed; two intervals without
// a success are. Each reason names the account and how old its last success is.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kda::daemon {

struct AccountPollState {
  std::string account_id;
  std::optional<std::chrono::steady_clock::time_point> last_success;  // finished at
  std::string last_outcome;  // "" before the first poll
  std::string last_error;    // of the last poll, "" when none
};

struct HealthInput {
  std::vector<AccountPollState> accounts;
  std::chrono::steady_clock::time_point started;  // the daemon's start
  std::chrono::milliseconds interval{0};
  std::optional<std::string> database_error;  // the last commit's failure; none = it succeeded
  std::chrono::steady_clock::time_point now;
};

struct HealthVerdict {
  bool healthy = true;
  std::vector<std::string> reasons;  // one line each; empty when healthy
};

HealthVerdict judge_health(const HealthInput& input);

// The /healthz body: "ok\n", or "unhealthy\n" and one reason a line.
std::string health_body(const HealthVerdict& verdict);

}  // namespace kda::daemon
