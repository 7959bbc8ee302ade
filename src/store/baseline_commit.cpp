#include "store/baseline_commit.hpp"

#include "store/chain_rows.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

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

  // One pair's row at a time, built and inserted before the next: a baseline of 90,000 scopes
  // never holds all its JSON at once. The seen writes, grouped by pair in the order given
  // (commit_poll's writes come sorted, so each pair's records are in scope_id order).
  const auto pair_of = [](const ScopeWrite& w) { return std::tie(w.device_id, w.scope.module_code); };
  std::vector<const ScopeWrite*> seen;
  seen.reserve(poll.scope_writes.size());
  for (const ScopeWrite& w : poll.scope_writes) {
    if (w.kind == RowWrite::seen) seen.push_back(&w);
  }
  std::stable_sort(seen.begin(), seen.end(), [&](const ScopeWrite* a, const ScopeWrite* b) {
    return pair_of(*a) < pair_of(*b);
  });
  // By pointer: a copy of 30,000 pair keys would add to the commit's peak memory.
  std::vector<const PairKey*> pairs;
  pairs.reserve(poll.baseline_pairs.size());
  for (const PairKey& key : poll.baseline_pairs) pairs.push_back(&key);
  const auto by_key = [](const PairKey* a, const PairKey* b) { return *a < *b; };
  std::sort(pairs.begin(), pairs.end(), by_key);
  pairs.erase(std::unique(pairs.begin(), pairs.end(),
                          [](const PairKey* a, const PairKey* b) { return *a == *b; }),
              pairs.end());
  // The pairs whose scopes come packed (PollCommit::new_pair_scopes), by pair too.
  const PackedPairScopes& packed = poll.new_pair_scopes;
  std::vector<std::size_t> whole(packed.pair_count());
  for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = i;
  const auto by_pair = [&](std::size_t a, std::size_t b) {
    return packed.pair(a) < packed.pair(b);
  };
  if (!std::is_sorted(whole.begin(), whole.end(), by_pair)) {
    std::stable_sort(whole.begin(), whole.end(), by_pair);
  }
  std::string records;
  const auto append_unless_announced = [&](const std::string& device_id, const Scope& scope) {
    if (scopes_with_event.empty() ||
        !scopes_with_event.contains(ScopeKey{device_id, scope.module_code, scope.scope_id})) {
      append_record(records, scope);
    }
  };
  Scope scratch;
  auto next = seen.begin();
  auto next_whole = whole.begin();
  for (const PairKey* pair : pairs) {
    const PairKey& key = *pair;
    const auto wanted = std::tie(key.device_id, key.module_code);
    while (next != seen.end() && pair_of(**next) < wanted) ++next;
    while (next_whole != whole.end() && packed.pair(*next_whole) < key) ++next_whole;
    records.clear();
    for (; next_whole != whole.end() && packed.pair(*next_whole) == key; ++next_whole) {
      packed.for_each_scope(*next_whole, scratch, [&](const Scope& scope) {
        append_unless_announced(key.device_id, scope);
      });
    }
    for (; next != seen.end() && pair_of(**next) == wanted; ++next) {
      append_unless_announced((*next)->device_id, (*next)->scope);
    }
    row.device_id = key.device_id;
    row.module_code = key.module_code;
    row.records_json = close_records(std::move(records));
    insert_baseline(statements, row, tip);
  }
}

}  // namespace kda::store
