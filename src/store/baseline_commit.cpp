#include "store/baseline_commit.hpp"

#include "store/chain_rows.hpp"

#include <map>
#include <set>

namespace kda::store {

namespace {

bool is_device_change(ChangeType type) {
  return type == ChangeType::device_added || type == ChangeType::device_changed ||
         type == ChangeType::device_removed;
}

}  // namespace

void write_baselines(StatementCache& statements, const PollCommit& poll, std::int64_t poll_id,
                     const std::string& observed_at) {
  if (!poll.device_list_baseline && poll.baseline_pairs.empty()) return;

  // What carries an event is not part of a baseline. In a silent baseline there are few such
  // changes, so these sets stay small even when the baseline records 90,000 scopes.
  std::set<std::string> devices_with_event;
  std::set<ScopeKey> scopes_with_event;
  for (const Change& change : poll.changes) {
    if (!is_configuration_change(change.type)) continue;
    if (is_device_change(change.type)) {
      devices_with_event.insert(change.device_id);
    } else if (change.module_code) {
      scopes_with_event.insert(ScopeKey{change.device_id, *change.module_code, change.scope_id});
    }
  }

  ChainTip tip = baselines_tip(statements);
  BaselineRow row;
  row.poll_id = poll_id;
  row.observed_at = observed_at;
  row.account_id = poll.account_id;
  if (poll.device_list_baseline) {
    std::string records;
    for (const DeviceWrite& w : poll.device_writes) {
      if (w.kind == RowWrite::seen && !devices_with_event.contains(w.device.device_id)) {
        append_record(records, w.device);
      }
    }
    row.records_json = close_records(std::move(records));
    insert_baseline(statements, row, tip);
  }

  std::map<PairKey, std::string> records;  // by pair: the rows' order
  for (const PairKey& pair : poll.baseline_pairs) records.try_emplace(pair);
  // scope_writes come sorted by (device, module, scope): look each pair up once, not per row.
  auto pair = records.end();
  for (const ScopeWrite& w : poll.scope_writes) {
    if (w.kind != RowWrite::seen) continue;
    if (pair == records.end() || pair->first.device_id != w.device_id ||
        pair->first.module_code != w.scope.module_code) {
      pair = records.find(PairKey{w.device_id, w.scope.module_code});
      if (pair == records.end()) continue;
    }
    if (!scopes_with_event.empty() &&
        scopes_with_event.contains(ScopeKey{w.device_id, w.scope.module_code, w.scope.scope_id})) {
      continue;
    }
    append_record(pair->second, w.scope);
  }
  for (auto& [key, array] : records) {
    row.device_id = key.device_id;
    row.module_code = key.module_code;
    row.records_json = close_records(std::move(array));
    insert_baseline(statements, row, tip);
  }
}

}  // namespace kda::store
