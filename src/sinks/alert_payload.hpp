#pragma once
// Prometheus Alertmanager alerts (API v2 PostableAlert) built from stored events. Pure: no I/O
// and no clock, so the same event always yields the same alert, and a redelivered batch only
// refreshes alerts Alertmanager already has (it merges alerts with equal labels).
//
// One alert per event:
//   labels      alertname="KooDriveBackupConfigChanged", severity (options.severity[type]),
//               type, account, device (device_id), module ("folder", "album", "address_book"),
//               scope_id. A label whose value would be empty is left out: Alertmanager treats
//               an empty label as absent, and a severity missing from the map is not invented.
//   annotations summary (one line), description (device name and id, module, scope, the
//               before/after paths, cause, event_id, observed_at) and event_id.
//   startsAt    observed_at; endsAt = observed_at + options.alert_duration (both ISO-8601 UTC).
//   generatorURL options.generator_url when set.
// Except coverage.lost / coverage.restored, which are one alert that the restore resolves:
//   labels      alertname="KooDriveCoverageLost", severity (of coverage.lost, for both),
//               account, device, module: no type, so that both events have the same labels;
//   endsAt      lost: observed_at + coverage_lost_bound (it lasts until restored, but bounded,
//               so a restore that never comes cannot leave it firing forever); restored:
//               observed_at, which resolves the lost alert.
// The description of an audit event (audit.*, coverage.*) carries its detail JSON.
// Errors: errc::invalid_request naming the event when its observed_at is not ISO-8601 (a row
// this daemon did not write); nothing else fails. Unreadable before/after JSON is described as
// such rather than refused: the description is for humans, the labels do not depend on it.
#include "koodrive_audit/error.hpp"
#include "koodrive_audit/sinks.hpp"
#include "koodrive_audit/store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <span>
#include <string>
#include <string_view>

namespace kda {

inline constexpr std::string_view alert_name = "KooDriveBackupConfigChanged";
inline constexpr std::string_view coverage_alert_name = "KooDriveCoverageLost";
inline constexpr std::chrono::hours coverage_lost_bound{30 * 24};

// "Backup scope removed on P60 Art (folder /DCIM)".
std::string alert_summary(const StoredEvent& event);

// Several lines: what happened, where, before and after, why, and which event.
std::string alert_description(const StoredEvent& event);

// One PostableAlert.
Result<boost::json::object> event_to_alert(const StoredEvent& event,
                                           const AlertmanagerSinkOptions& options);

// The request body of POST /api/v2/alerts: a JSON array, one alert per event, in order.
Result<std::string> alerts_body(std::span<const StoredEvent> events,
                                const AlertmanagerSinkOptions& options);

}  // namespace kda
