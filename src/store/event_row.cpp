#include "store/event_row.hpp"

#include "store/statement_cache.hpp"

namespace kda::store {

namespace {

// StoredEvent promises JSON in before_json / after_json, so NULL reads as the JSON "null".
std::string json_or_null(const SQLite::Statement& q, int index) {
  return q.isColumnNull(index) ? std::string("null") : q.getColumn(index).getString();
}

}  // namespace

StoredEvent read_event_row(const SQLite::Statement& q) {
  StoredEvent e;
  e.seq = q.getColumn(0).getInt64();
  e.event_id = q.getColumn(1).getString();
  e.poll_id = q.getColumn(2).getInt64();
  e.observed_at = q.getColumn(3).getString();
  e.type = q.getColumn(4).getString();
  e.account_id = q.getColumn(5).getString();
  e.device_id = text_or_empty(q, 6);
  e.device_name = text_or_empty(q, 7);
  if (!q.isColumnNull(8)) e.module_code = q.getColumn(8).getInt();
  e.scope_id = text_or_empty(q, 9);
  e.before_json = json_or_null(q, 10);
  e.after_json = json_or_null(q, 11);
  e.cause = text_or_empty(q, 12);
  return e;
}

}  // namespace kda::store
