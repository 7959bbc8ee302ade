#include "daemon/stored_scope_reader.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace kda::daemon {

StoredScopeReader::StoredScopeReader(Store& store, std::string account_id,
                                     std::vector<std::string> listed_devices)
    : store_(store), account_id_(std::move(account_id)), listed_(std::move(listed_devices)) {
  runs_.reserve(kept_runs);  // a Run is never moved: what of_pair lent stays where it was
  std::sort(listed_.begin(), listed_.end());
  listed_.erase(std::unique(listed_.begin(), listed_.end()), listed_.end());
}

StoredScopes StoredScopeReader::scopes() {
  return StoredScopes{[this](const std::string& device_id) { return of_device(device_id); },
                      [this](const PairKey& pair) { return of_pair(pair); },
                      [this](const PairKey& pair) { return fetched_before(pair); }};
}

std::vector<ScopeRow> StoredScopeReader::of_device(const std::string& device_id) {
  ++store_reads_;
  return store_.live_scopes(account_id_, device_id);
}

const StoredScopeReader::Run& StoredScopeReader::read_run_from(const std::string& device_id) {
  auto first = std::lower_bound(listed_.begin(), listed_.end(), device_id);
  // A device not listed (the diff never asks for one) is read alone.
  const bool listed = first != listed_.end() && *first == device_id;
  const std::size_t after = listed ? static_cast<std::size_t>(listed_.end() - first) - 1 : 0;
  const std::string& to = listed ? *(first + static_cast<std::ptrdiff_t>(
                                                 std::min(batch_devices - 1, after)))
                                 : device_id;
  Run* run = nullptr;
  if (runs_.size() < kept_runs) {
    last_run_ = runs_.size();
    run = &runs_.emplace_back();
  } else {
    last_run_ = oldest_run_;
    run = &runs_[oldest_run_];
    oldest_run_ = (oldest_run_ + 1) % kept_runs;
  }
  run->first = device_id;
  run->last = to;
  ++store_reads_;
  run->used = store_.live_scopes_between(account_id_, device_id, to, run->rows);
  run->fetched_used = store_.fetched_pairs_between(account_id_, device_id, to, run->fetched);
  return *run;
}

const StoredScopeReader::Run& StoredScopeReader::run_of(const std::string& device_id) {
  // The answers come in identity order, give or take the requests in flight: nearly always
  // from the run used last.
  if (last_run_ < runs_.size() && runs_[last_run_].holds(device_id)) return runs_[last_run_];
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    if (runs_[i].holds(device_id)) {
      last_run_ = i;
      return runs_[i];
    }
  }
  return read_run_from(device_id);
}

bool StoredScopeReader::fetched_before(const PairKey& pair) {
  const Run& run = run_of(pair.device_id);
  const auto pairs = std::span<const PairKey>(run.fetched).first(run.fetched_used);
  return std::binary_search(pairs.begin(), pairs.end(), pair);
}

std::span<const ScopeRow> StoredScopeReader::of_pair(const PairKey& pair) {
  const Run& run = run_of(pair.device_id);
  const auto rows = std::span<const ScopeRow>(run.rows).first(run.used);
  const auto key = [](const ScopeRow& row) {
    return std::tie(row.device_id, row.scope.module_code);
  };
  const auto before = [&](const ScopeRow& row, const PairKey& p) {
    return key(row) < std::tie(p.device_id, p.module_code);
  };
  const auto after = [&](const PairKey& p, const ScopeRow& row) {
    return std::tie(p.device_id, p.module_code) < key(row);
  };
  const auto from = std::lower_bound(rows.begin(), rows.end(), pair, before);
  const auto to = std::upper_bound(from, rows.end(), pair, after);
  return {from, to};
}

}  // namespace kda::daemon
