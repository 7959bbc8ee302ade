#pragma once
// Where a poll's StreamingDiff reads the stored scopes: a run of devices at a time. The pairs
// are fetched in device_id order (poll_account sorts them), so the first answer of a device
// not read yet loads the live scopes of it and of the next `batch_devices` listed devices in
// one range query along the scopes primary key; the answers that follow are served from that.
// One query per pair instead cost 79,000 instructions each (callgrind, 3,000 devices), more
// than the whole-snapshot scan it replaced; each query is its own read transaction.
// Keeps the last `kept_runs` runs read; a device whose run was dropped before all its answers
// came is read again. A run's buffer is reused for the run that replaces it, strings and all,
// and of_pair lends a range of it (StoredScopes), so a poll allocates for its first runs only.
// A run also holds which of its pairs were fetched before (StoredScopes::fetched_before, from
// fetch_status), so that the poll needs no set of every fetched pair. Single-threaded.
#include "koodrive_audit/diff.hpp"
#include "koodrive_audit/store.hpp"

#include <span>
#include <string>
#include <vector>

namespace kda::daemon {

class StoredScopeReader {
 public:
  static constexpr std::size_t batch_devices = 64;
  static constexpr std::size_t kept_runs = 8;

  // `store` must outlive the reader, and the reader the StoredScopes it hands out.
  // `listed_devices`: the device_ids whose pairs will be asked for (any order, repeats fine).
  StoredScopeReader(Store& store, std::string account_id, std::vector<std::string> listed_devices);

  StoredScopes scopes();
  // Reads of the store so far: one per run read (two range queries, its scopes and its fetch
  // status) and one per whole device (of_device).
  std::size_t store_reads() const noexcept { return store_reads_; }

 private:
  // The live scopes of the devices from `first` to `last` (inclusive, byte order) are
  // rows[0, used), in key order, and their pairs fetched before fetched[0, fetched_used), in
  // PairKey order; the elements past those are spare.
  struct Run {
    std::string first;
    std::string last;
    std::vector<ScopeRow> rows;
    std::size_t used = 0;
    std::vector<PairKey> fetched;
    std::size_t fetched_used = 0;
    bool holds(const std::string& device_id) const {
      return first <= device_id && device_id <= last;
    }
  };

  std::vector<ScopeRow> of_device(const std::string& device_id);
  std::span<const ScopeRow> of_pair(const PairKey& pair);
  bool fetched_before(const PairKey& pair);

  // The kept run holding `device_id`, read if none does.
  const Run& run_of(const std::string& device_id);
  const Run& read_run_from(const std::string& device_id);

  Store& store_;
  std::string account_id_;
  std::vector<std::string> listed_;  // sorted, unique
  std::vector<Run> runs_;            // at most kept_runs
  std::size_t oldest_run_ = 0;       // the next to be replaced once runs_ is full
  std::size_t last_run_ = 0;         // the run of_pair served last
  std::size_t store_reads_ = 0;
};

}  // namespace kda::daemon
