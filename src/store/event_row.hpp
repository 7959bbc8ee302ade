#pragma once
// One events row → StoredEvent, in one place: the outbox (events_after) and `history` must read
// an event identically, because `history --json` promises the JSONL sink's very lines.
#include "koodrive_audit/store.hpp"

#include <SQLiteCpp/Statement.h>

#include <string_view>

namespace kda::store {

// The SELECT list and FROM clause that read_event_row expects; append WHERE / ORDER BY.
// The device name is joined from devices (the current name, as DESIGN.md §4 says).
inline constexpr std::string_view event_select_sql =
    "SELECT e.seq, e.event_id, e.poll_id, e.observed_at, e.type, e.account_id, e.device_id, "
    "d.device_name, e.module_code, e.scope_id, e.before_json, e.after_json, e.cause "
    "FROM events AS e LEFT JOIN devices AS d "
    "ON d.account_id = e.account_id AND d.device_id = e.device_id ";

// The current row of a statement built on event_select_sql.
StoredEvent read_event_row(const SQLite::Statement& q);

}  // namespace kda::store
