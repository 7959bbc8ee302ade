#include "koodrive_audit/diff.hpp"

#include "diff/audit_guards.hpp"
#include "diff/run_sort.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace kda {

namespace {

// What missing from one more successful fetch means for a stored row.
struct Absence {
  int missing_count = 0;
  bool confirmed = false;
};

Absence absence(int stored_missing_count, int confirm_removals) {
  // A corrupt counter must not overflow or stop counting: saturate, and count a negative from 0.
  const int stored = std::max(stored_missing_count, 0);
  const int count = stored == INT_MAX ? stored : stored + 1;
  return {count, count >= confirm_removals};
}

Change device_change(ChangeType type, const Device& latest, Record before, Record after) {
  Change change;
  change.type = type;
  change.device_id = latest.device_id;
  change.device_name = latest.device_name;
  change.before = std::move(before);
  change.after = std::move(after);
  return change;
}

Change scope_change(ChangeType type, const std::string& device_id, const std::string& device_name,
                    const Scope& scope, Record before, Record after, std::string cause = {}) {
  Change change;
  change.type = type;
  change.device_id = device_id;
  change.device_name = device_name;
  change.module_code = scope.module_code;
  change.scope_id = scope.scope_id;
  change.before = std::move(before);
  change.after = std::move(after);
  change.cause = std::move(cause);
  return change;
}

auto scope_key(const Change& change) {
  return std::tie(change.device_id, *change.module_code, change.scope_id);
}

auto write_key(const ScopeWrite& write) {
  return std::tie(write.device_id, write.scope.module_code, write.scope.scope_id);
}

const std::string& id_of(const Scope& scope) { return scope.scope_id; }
const std::string& id_of(const ScopeRow& row) { return row.scope.scope_id; }

}  // namespace

struct StreamingDiff::State {
  const Snapshot& head;
  std::function<std::size_t()> live_scopes;
  DiffOptions options;
  int confirm_removals;
  const StoredScopes& stored;
  // A listed device, and which of its modules have answered (the first answer of a pair wins).
  // Kept per device rather than as a set of pairs: 30,000 pairs cost 3 MB as set nodes.
  struct Listed {
    std::string device_name;
    unsigned answered_known = 0;  // bit i: known_modules[i] answered
    std::set<int> answered_other;

    // False when the module had answered already.
    bool first_answer(int module_code) {
      for (std::size_t i = 0; i < std::size(known_modules); ++i) {
        if (known_modules[i] != module_code) continue;
        const unsigned bit = 1u << i;
        if ((answered_known & bit) != 0) return false;
        answered_known |= bit;
        return true;
      }
      return answered_other.insert(module_code).second;
    }
  };
  // By device_id, sorted (the first entry of a device wins): a vector searched by bisection
  // touches fewer cache lines than a map's nodes, once per answer.
  std::vector<std::pair<std::string, Listed>> listed;

  Listed* find_listed(const std::string& device_id) {
    const auto before = [](const std::pair<std::string, Listed>& entry, const std::string& id) {
      return entry.first < id;
    };
    const auto at = std::lower_bound(listed.begin(), listed.end(), device_id, before);
    return at != listed.end() && at->first == device_id ? &at->second : nullptr;
  }
  std::set<std::string> announced;            // devices announced with device.added
  DiffResult result;                          // changes: the device changes only, until finish
  std::vector<Change> scope_changes;
  std::size_t expected_answers = 0;
  std::size_t answers = 0;
  bool record_fetched_pairs = true;
  std::optional<Change> device_list_coverage;
  std::vector<Change> pair_coverage;
  diff_detail::NewRemovals removals;
  std::vector<const Scope*> fetched;         // diff_pair's lists of the pair at hand
  std::vector<const ScopeRow*> stored_rows;
  // Where each pair's (or removed device's) scope writes begin: each group is in identity order
  // already, which lets finish() put the writes in order without a comparison sort. Only groups
  // that wrote something: a quiet poll's 30,000 answers add nothing here.
  std::vector<std::uint32_t> write_groups;

  void end_write_group(std::size_t first_write) {
    if (result.scope_writes.size() > first_write) {
      write_groups.push_back(static_cast<std::uint32_t>(first_write));
    }
  }

  State(const Snapshot& head_in, std::function<std::size_t()> live_scopes_in,
        const DiffOptions& options_in,
        const StoredScopes& stored_in)
      : head(head_in),
        live_scopes(std::move(live_scopes_in)),
        options(options_in),
        confirm_removals(std::max(options_in.confirm_removals, 1)),
        stored(stored_in) {}

  // Rule 4: the device's live scopes go with it, in (module_code, scope_id) order, and keep
  // their own missing_count since no scope fetch missed them.
  void cascade_removal(const Device& device, bool new_removal) {
    const std::size_t first_write = result.scope_writes.size();
    for (const ScopeRow& row : stored.of_device(device.device_id)) {
      result.changes.push_back(scope_change(ChangeType::scope_removed, device.device_id,
                                            device.device_name, row.scope, row.scope, {},
                                            std::string{to_string(ChangeType::device_removed)}));
      result.scope_writes.push_back(
          {RowWrite::removed, device.device_id, row.scope, row.missing_count});
      if (new_removal) ++removals.cascades[device.device_id];
    }
    end_write_group(first_write);
  }

  void diff_devices(const std::vector<Device>& devices) {
    // The listed devices as a sorted pointer list (a repeated id: the first wins, by stable
    // sort then unique) walked together with the stored ones, a map in the same order: no map
    // of the listed devices and no set of every id, 30,000 string copies at 10,000 devices.
    std::vector<const Device*> observed;
    observed.reserve(devices.size());
    for (const Device& device : devices) observed.push_back(&device);
    std::stable_sort(observed.begin(), observed.end(), [](const Device* a, const Device* b) {
      return a->device_id < b->device_id;
    });
    observed.erase(std::unique(observed.begin(), observed.end(),
                               [](const Device* a, const Device* b) {
                                 return a->device_id == b->device_id;
                               }),
                   observed.end());
    listed.reserve(observed.size());
    for (const Device* device : observed) {
      listed.emplace_back(device->device_id, Listed{device->device_name, 0, {}});
    }
    const bool silent_first_list =
        !head.device_list_fetched_before && options.baseline == BaselineMode::silent;

    auto seen = observed.begin();
    auto stored_row = head.devices.begin();
    while (seen != observed.end() || stored_row != head.devices.end()) {
      const bool only_seen = stored_row == head.devices.end() ||
                             (seen != observed.end() && (*seen)->device_id < stored_row->first);
      const bool only_stored =
          !only_seen && (seen == observed.end() || stored_row->first < (*seen)->device_id);
      if (only_seen) {
        const Device& device = **seen++;
        result.device_writes.push_back({RowWrite::seen, device, 0});
        if (silent_first_list) {
          ++result.baseline_devices;
        } else {
          result.changes.push_back(device_change(ChangeType::device_added, device, {}, device));
          announced.insert(device.device_id);
        }
      } else if (only_stored) {
        const auto& [id, row] = *stored_row++;
        const Absence gone = absence(row.missing_count, confirm_removals);
        if (gone.confirmed) {
          const bool new_removal = row.missing_count < confirm_removals;
          if (new_removal) removals.devices.insert(id);
          result.changes.push_back(
              device_change(ChangeType::device_removed, row.device, row.device, {}));
          result.device_writes.push_back({RowWrite::removed, row.device, gone.missing_count});
          cascade_removal(row.device, new_removal);
        } else {
          result.device_writes.push_back({RowWrite::missing, row.device, gone.missing_count});
        }
      } else {
        const DeviceRow& row = (stored_row++)->second;
        const Device& device = **seen++;
        if (row.device != device) {
          result.changes.push_back(
              device_change(ChangeType::device_changed, device, row.device, device));
        }
        if (row.device != device || row.missing_count != 0) {
          result.device_writes.push_back({RowWrite::seen, device, 0});
        }
      }
    }
  }

  // Once a sample of the answers is in, sizes scope_writes for all of them at the sample's
  // rate, with an eighth to spare: growing by doubling instead briefly holds the old and the
  // new buffer, which for a first poll of 90,000 scopes not recorded packed (announced, or
  // from lent answers) is the poll's peak memory.
  void reserve_writes(std::size_t more) {
    std::vector<ScopeWrite>& writes = result.scope_writes;
    const std::size_t needed = writes.size() + more;
    const std::size_t sample = std::max<std::size_t>(64, expected_answers / 64);
    if (needed <= writes.capacity() || answers < sample || answers >= expected_answers) return;
    const double rate = static_cast<double>(needed) / static_cast<double>(answers);
    writes.reserve(static_cast<std::size_t>(rate * static_cast<double>(expected_answers) * 1.125));
  }

  // Diffs one successfully fetched (device, module). `silent` is the baseline rule: scopes not
  // yet stored are recorded without an event. Rows already stored follow the ordinary rules
  // even then, because a change to something we have recorded is news whatever the pair's
  // history says. `owned` is `answer` itself when the caller gave the answer up: a pair recorded
  // silently with nothing stored is then packed (record_new_pair), and the scopes other writes
  // record are moved into them rather than copied (in a first poll announced with
  // `events.baseline: emit`, 90,000 scopes: 360,000 string allocations and as many frees).
  void diff_pair(const PairKey& pair, const std::vector<Scope>& answer, std::vector<Scope>* owned,
                 const std::string& device_name, bool silent) {
    const auto take = [&](const Scope& scope) -> Scope {
      if (owned == nullptr) return scope;
      return std::move((*owned)[static_cast<std::size_t>(&scope - answer.data())]);
    };
    // Both sides by scope_id, as sorted pointer lists walked together: a pair holds a handful
    // of scopes, and maps and a set of copied ids cost more allocations than the diff itself.
    const auto by_id = [](const auto* a, const auto* b) { return id_of(*a) < id_of(*b); };
    const auto same_id = [](const auto* a, const auto* b) { return id_of(*a) == id_of(*b); };
    // Both lists are members, cleared for each pair, so that they allocate once per poll.
    fetched.clear();  // the first duplicate wins (stable sort, then unique)
    for (const Scope& scope : answer) {
      if (scope.module_code == pair.module_code) fetched.push_back(&scope);
    }
    std::stable_sort(fetched.begin(), fetched.end(), by_id);
    fetched.erase(std::unique(fetched.begin(), fetched.end(), same_id), fetched.end());
    stored_rows.clear();
    for (const ScopeRow& row : stored.of_pair(pair)) stored_rows.push_back(&row);
    std::stable_sort(stored_rows.begin(), stored_rows.end(), by_id);
    stored_rows.erase(std::unique(stored_rows.begin(), stored_rows.end(), same_id),
                      stored_rows.end());

    if (silent && owned != nullptr && stored_rows.empty()) {
      record_new_pair(pair);
      return;
    }
    reserve_writes(fetched.size() + stored_rows.size());
    const std::size_t first_write = result.scope_writes.size();
    std::size_t recorded_silently = 0;
    auto seen = fetched.begin();
    auto old_row = stored_rows.begin();
    while (seen != fetched.end() || old_row != stored_rows.end()) {
      const bool only_fetched = old_row == stored_rows.end() ||
                                (seen != fetched.end() && id_of(**seen) < id_of(**old_row));
      const bool only_stored =
          !only_fetched && (seen == fetched.end() || id_of(**old_row) < id_of(**seen));
      if (only_fetched) {
        const Scope& scope = **seen++;
        if (silent) {
          ++recorded_silently;
        } else {
          scope_changes.push_back(scope_change(ChangeType::scope_added, pair.device_id,
                                               device_name, scope, {}, scope));
        }
        result.scope_writes.push_back({RowWrite::seen, pair.device_id, take(scope), 0});
      } else if (only_stored) {
        const ScopeRow& row = **old_row++;
        const Absence gone = absence(row.missing_count, confirm_removals);
        if (gone.confirmed) {
          scope_changes.push_back(scope_change(ChangeType::scope_removed, pair.device_id,
                                               device_name, row.scope, row.scope, {}));
          if (row.missing_count < confirm_removals) {
            removals.direct_scopes.insert({pair.device_id, pair.module_code, row.scope.scope_id});
          }
        }
        result.scope_writes.push_back({gone.confirmed ? RowWrite::removed : RowWrite::missing,
                                       pair.device_id, row.scope, gone.missing_count});
      } else {
        const ScopeRow& row = **old_row++;
        const Scope& scope = **seen++;
        if (row.scope != scope) {
          scope_changes.push_back(scope_change(ChangeType::scope_changed, pair.device_id,
                                               device_name, scope, row.scope, scope));
        }
        if (row.scope != scope || row.missing_count != 0) {
          result.scope_writes.push_back({RowWrite::seen, pair.device_id, take(scope), 0});
        }
      }
    }
    end_write_group(first_write);
    if (silent) result.baselines.push_back({pair, recorded_silently});
  }

  // diff_pair's case of a pair recorded silently with nothing stored: all of `fetched` is
  // recorded, packed. No ScopeWrite is built, which in a first poll of 10,000 devices spares
  // 90,000 of them (184 bytes each, a copy of the device_id, the scope's strings) and their
  // ordering; the answer's own strings are freed with it, for the next answers to reuse.
  void record_new_pair(const PairKey& pair) {
    result.baselines.push_back({pair, fetched.size()});
    if (fetched.empty()) return;
    result.new_pair_scopes.add_pair(pair);
    for (const Scope* scope : fetched) result.new_pair_scopes.add_scope(*scope);
  }
};

StreamingDiff::StreamingDiff(const Snapshot& head, std::size_t live_scopes,
                             const std::vector<Device>& devices, const DiffOptions& options,
                             const StoredScopes& stored)
    : StreamingDiff(head, [live_scopes] { return live_scopes; }, devices, options, stored) {}

StreamingDiff::StreamingDiff(const Snapshot& head, std::function<std::size_t()> live_scopes,
                             const std::vector<Device>& devices, const DiffOptions& options,
                             const StoredScopes& stored)
    : state_(std::make_unique<State>(head, std::move(live_scopes), options, stored)) {
  state_->device_list_coverage = diff_detail::device_list_coverage(
      head.device_list_failures, nullptr, options.coverage);
  state_->diff_devices(devices);
}

StreamingDiff::~StreamingDiff() = default;
StreamingDiff::StreamingDiff(StreamingDiff&&) noexcept = default;
StreamingDiff& StreamingDiff::operator=(StreamingDiff&&) noexcept = default;

void StreamingDiff::add(const ScopeFetch& fetch) { add_answer(fetch, nullptr, std::nullopt); }

void StreamingDiff::add(const ScopeFetch& fetch, bool fetched_before) {
  add_answer(fetch, nullptr, fetched_before);
}

void StreamingDiff::add(ScopeFetch&& fetch, bool fetched_before) {
  add_answer(fetch, std::get_if<std::vector<Scope>>(&fetch.result), fetched_before);
}

void StreamingDiff::add_answer(const ScopeFetch& fetch, std::vector<Scope>* owned,
                               std::optional<bool> fetched_before) {
  State& s = *state_;
  // Only fetches of listed devices count: a scope list of a device the account no longer lists
  // (or has not listed yet) cannot be placed in the snapshot consistently. A failed first fetch
  // of a pair shadows a later successful one, so a duplicate can never turn failure into data.
  State::Listed* device = s.find_listed(fetch.pair.device_id);
  if (device == nullptr || !device->first_answer(fetch.pair.module_code)) {
    return;
  }
  ++s.answers;
  const std::string& device_name = device->device_name;
  if (auto coverage = diff_detail::pair_coverage(s.head, fetch.pair, device_name,
                                                 std::get_if<FetchFailure>(&fetch.result),
                                                 s.options.coverage)) {
    s.pair_coverage.push_back(std::move(*coverage));
  }
  const auto* scopes = std::get_if<std::vector<Scope>>(&fetch.result);
  if (scopes == nullptr) return;
  // A device announced in an earlier poll whose pair failed then is still news here: its
  // scopes were never part of a baseline.
  const auto was_fetched_before = [&] {
    if (fetched_before) return *fetched_before;
    return s.stored.fetched_before ? s.stored.fetched_before(fetch.pair)
                                   : s.head.fetched_pairs.contains(fetch.pair);
  };
  const bool silent = s.options.baseline == BaselineMode::silent && !was_fetched_before() &&
                      !s.announced.contains(fetch.pair.device_id) &&
                      !s.head.announced_devices.contains(fetch.pair.device_id);
  s.diff_pair(fetch.pair, *scopes, owned, device_name, silent);
  if (s.record_fetched_pairs) s.result.fetched_pairs.insert(fetch.pair);
}

void StreamingDiff::expect_answers(std::size_t answers) { state_->expected_answers = answers; }

void StreamingDiff::leave_out_fetched_pairs() { state_->record_fetched_pairs = false; }

DiffResult StreamingDiff::finish() {
  State& s = *state_;
  DiffResult& result = s.result;
  // Cascade writes were produced with the device changes; one sort by identity puts all scope
  // writes in a single documented order (identities are unique, so the order is total); each
  // pair's writes, and each removed device's, are a group in that order already. The same goes
  // for the scope changes, which arrived in the order of the answers.
  diff_detail::sort_ascending_groups(
      result.scope_writes, s.write_groups,
      [](const ScopeWrite& a, const ScopeWrite& b) { return write_key(a) < write_key(b); });
  s.write_groups = {};
  std::sort(s.scope_changes.begin(), s.scope_changes.end(),
            [](const Change& a, const Change& b) { return scope_key(a) < scope_key(b); });
  result.changes.reserve(result.changes.size() + s.scope_changes.size());
  for (Change& change : s.scope_changes) result.changes.push_back(std::move(change));
  std::sort(result.baselines.begin(), result.baselines.end(),
            [](const Baseline& a, const Baseline& b) { return a.pair < b.pair; });
  result.new_pair_scopes.sort_by_pair();

  // Without a removal there is no mass removal, and no base to count.
  const bool removes = s.removals.scope_count() > 0 || !s.removals.devices.empty();
  const std::size_t live_scopes = removes ? s.live_scopes() : 0;
  if (auto suspect = diff_detail::hold_mass_removal(s.head, live_scopes, s.removals, result,
                                                    s.options.mass_removal)) {
    result.changes.push_back(std::move(*suspect));
  }
  if (s.device_list_coverage) result.changes.push_back(std::move(*s.device_list_coverage));
  std::sort(s.pair_coverage.begin(), s.pair_coverage.end(), [](const Change& a, const Change& b) {
    return std::tie(a.device_id, *a.module_code) < std::tie(b.device_id, *b.module_code);
  });
  for (Change& change : s.pair_coverage) result.changes.push_back(std::move(change));
  return std::move(result);
}

DiffResult diff(const Snapshot& before, const Observation& seen, const DiffOptions& options) {
  // Rule 1: without the device list we cannot tell a removed device from an unlisted one.
  const auto* devices = std::get_if<std::vector<Device>>(&seen.devices);
  if (devices == nullptr) {
    DiffResult result;
    if (auto coverage = diff_detail::device_list_coverage(
            before.device_list_failures, &std::get<FetchFailure>(seen.devices), options.coverage)) {
      result.changes.push_back(std::move(*coverage));
    }
    return result;
  }
  std::vector<ScopeRow> lent;  // of_pair's rows, until its next call
  const auto rows_in = [&before](ScopeKey from, const auto& still_in) {
    std::vector<ScopeRow> rows;
    for (auto it = before.scopes.lower_bound(from);
         it != before.scopes.end() && still_in(it->first); ++it) {
      rows.push_back(it->second);
    }
    return rows;
  };
  const StoredScopes stored{
      [&](const std::string& device_id) {
        return rows_in(ScopeKey{device_id, INT_MIN, {}},
                       [&](const ScopeKey& key) { return key.device_id == device_id; });
      },
      [&](const PairKey& pair) {
        lent = rows_in(ScopeKey{pair.device_id, pair.module_code, {}},
                       [&](const ScopeKey& key) { return key.pair() == pair; });
        return std::span<const ScopeRow>(lent);
      }};
  StreamingDiff streaming(before, before.scopes.size(), *devices, options, stored);
  for (const ScopeFetch& fetch : seen.scope_fetches) streaming.add(fetch);
  return streaming.finish();
}

}  // namespace kda
