#pragma once
// `status`: what it reports (gathered from the store and the config by the command), when an
// account needs attention, and the two renderings -- text for people, one JSON document for
// scripts, with the same content. Everything here is pure: "now" is a field of the report.
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/config.hpp"
#include "koodrive_audit/store.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kda::cli {

// `status` exits with this when some account needs attention (see attention()); 0 otherwise.
inline constexpr int status_exit_attention = 2;
inline constexpr std::size_t status_poll_count = 5;  // polls shown per account

struct AccountStatus {
  std::string account_id;
  std::string name;                  // the config's label; "" = none
  std::vector<PollRow> polls;        // newest first, at most status_poll_count
  std::vector<FailingPair> failing;  // as Store::failing_pairs
};

struct SinkStatus {
  std::string name;
  std::string type;  // "log", "jsonl", "webhook", "alertmanager"
  std::int64_t cursor = 0;
  std::int64_t backlog = 0;
  SinkHealth health;  // as the daemon last recorded it
};

// Why a sink needs attention, empty when it does not: it is disabled (410 Gone), or it has
// failed sink_attention_failures deliveries in a row (one failure is routine: a receiver
// restarting; the backoff retries it).
inline constexpr int sink_attention_failures = 3;
std::vector<std::string> attention(const SinkStatus& sink);
// "ok", "disabled since T: error", "failing since T (N failures), next try T: error".
std::string sink_state(const SinkStatus& sink);

struct StatusReport {
  SystemTime now;
  Duration poll_interval{};              // the config's poll.interval
  std::vector<AccountStatus> accounts;   // config order
  std::vector<SinkStatus> sinks;         // config order
  std::int64_t last_seq = 0;             // newest event seq ever assigned
  std::vector<AccountRow> unconfigured;  // accounts in the database but not in the config
};

// Why an account needs attention, empty when it does not: it was never polled, its last poll
// was partial or failed, or its last poll finished more than 2 × poll.interval before now (the
// daemon is not polling). Each reason is a short phrase: "last poll partial".
std::vector<std::string> attention(const AccountStatus& account, SystemTime now,
                                   Duration poll_interval);

// 0, or status_exit_attention when attention() names anything for some account or sink.
int status_exit_code(const StatusReport& report);

// finished_at - started_at of a poll; nullopt when either does not parse.
std::optional<std::chrono::milliseconds> poll_duration(const PollRow& poll);
// "842ms", "1.2s", "2m03s" (a poll's duration).
std::string format_duration(std::chrono::milliseconds d);
// "12s", "4m12s", "3h05m", "2d03h" (how long ago); negative (clock skew) counts as 0.
std::string format_age(std::chrono::milliseconds d);

// The text form: per account a heading, its last polls and its failing pairs; then the sinks;
// then one "attention:" line when some account needs it.
std::string format_status(const StatusReport& report);

// The JSON form (one document, one line): the same content with every timestamp as stored,
// durations in ms, and "ok": false exactly when status_exit_code is not 0.
std::string status_to_json(const StatusReport& report);

}  // namespace kda::cli
