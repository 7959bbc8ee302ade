#pragma once
// Retry timing (pure): exponential backoff with full jitter, Retry-After honoured up to a
// ceiling. No clock and no randomness of its own: `now` and the random draw are passed in.
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/error.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace kda::api {

// The sleep before retry number `retry_index` (0 = the first retry) after an attempt that
// failed with a transient error:
//   random(0, min(max_backoff, initial_backoff · 2^retry_index)) = floor(unit_random · cap),
//   but at least `retry_after` when the server sent one.
// std::nullopt when `retry_after` exceeds retry_after_ceiling: the caller gives up instead of
// waiting that long (the server asked us to stay away for longer than a poll should take).
// `unit_random` is clamped to [0, 1).
std::optional<std::chrono::milliseconds> backoff_delay(
    const RetryPolicy& policy, int retry_index,
    std::optional<std::chrono::milliseconds> retry_after, double unit_random) noexcept;

// The exponential cap min(max_backoff, initial_backoff · 2^retry_index), without overflow.
std::chrono::milliseconds backoff_cap(const RetryPolicy& policy, int retry_index) noexcept;

// Whether an attempt (1-based `attempt`) that failed with `error` is worth another one.
bool should_retry(const RetryPolicy& policy, int attempt, const Error& error) noexcept;

// A Retry-After header: delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT",
// also the obsolete RFC 850 and asctime forms), relative to `now`. A date in the past is 0.
// std::nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, SystemTime now);

// An HTTP-date (the three forms above) as a time point; std::nullopt if it is none of them.
std::optional<SystemTime> parse_http_date(std::string_view value);

}  // namespace kda::api
