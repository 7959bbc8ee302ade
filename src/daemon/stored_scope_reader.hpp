#pragma once
// Where a poll's StreamingDiff reads the stored scopes: a run of devices at a time. The pairs
// are fetched in device_id order (poll_account sorts them), so the first answer of a device
// not read yet loads the live scopes of it and of the next `batch_devices` listed devices in
// one range query along the scopes primary key; the answers that follow are served from that.
// One query per pair instead cost 79,000 instructions each (callgrind, 3,000 devices), more
// than the whole-snapshot scan it replaced; each query is its own read transaction.
// Keeps the rows of the `kept_devices` devices read last, at most; a device evicted before all
// its answers came is read again (each pair's rows are handed out once). Single-threaded.
#include "koodrive_audit/diff.hpp"
#include "koodrive_audit/store.hpp"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace kda::daemon {

class StoredScopeReader {
 public:
  static constexpr std::size_t batch_devices = 64;
  static constexpr std::size_t kept_devices = 512;

  // `store` must outlive the reader, and the reader the StoredScopes it hands out.
  // `listed_devices`: the device_ids whose pairs will be asked for (any order, repeats fine).
  StoredScopeReader(Store& store, std::string account_id, std::vector<std::string> listed_devices);

  StoredScopes scopes();
  std::size_t queries() const noexcept { return queries_; }

 private:
  std::vector<ScopeRow> of_device(const std::string& device_id);
  std::vector<ScopeRow> of_pair(const PairKey& pair);

  void read_run_from(const std::string& device_id);

  Store& store_;
  std::string account_id_;
  std::vector<std::string> listed_;  // sorted, unique
  std::map<std::string, std::map<int, std::vector<ScopeRow>>> devices_;  // by device_id
  std::deque<std::string> order_;                                        // oldest first
  std::size_t queries_ = 0;
};

}  // namespace kda::daemon
