#pragma once
// The diff engine: what the store knew (Snapshot) × what one poll saw (Observation) → the
// changes to record and the snapshot rows to rewrite. It applies the event rules of DESIGN.md §5
// (1–4): failure is not absence, baseline, confirmed removal, device removal cascades; and the
// two guards of the audit itself (issue #6):
//  - mass removal: when one poll would remove more than `threshold` of the account's live
//    scopes (or devices), and at least `min_items` of them, those removals are held (their rows
//    are written `missing`, without events) and one audit.suspect_mass_removal event says so.
//    A held item keeps missing_count >= confirm_removals, so the next successful fetch that
//    still misses it confirms the removal (an ordinary removal, never held again), and one that
//    sees it again clears it without any event;
//  - coverage: the device list, or a (device, module), failing `after_failures` polls in a row
//    yields one coverage.lost (with the last error); the first success after that yields one
//    coverage.restored. These are the only events a failed device list can produce.
//
// Promises: a pure function of its arguments. No I/O, no clock, no randomness, no globals, no
// exceptions of its own (only std::bad_alloc); the same input always gives the same output, in
// the order documented on DiffResult. Thread-safe in the trivial sense: it shares nothing.
//
// Orders below compare IDs as strings (byte order), never as numbers: IDs exceed 2^53.
//
// Defensive handling of answers the decoder should never produce:
// - a device listed twice, or a scope listed twice in one (device, module) answer: the first
//   occurrence wins and the later ones are ignored;
// - two ScopeFetches for the same (device, module): the first one wins, failed or not;
// - a ScopeFetch for a device that is not in the observed device list: ignored;
// - a scope whose module_code differs from the module its pair was fetched for: ignored;
// - confirm_removals below 1 behaves as 1.
#include "koodrive_audit/model.hpp"
#include "koodrive_audit/packed_scopes.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace kda {

// `events.baseline` of the config: whether a first fetch is recorded silently or announced.
enum class BaselineMode { silent, emit };

// `events.mass_removal`. A threshold of 1 (100 %) never holds anything.
struct MassRemovalOptions {
  double threshold = 0.5;  // share of the live scopes (or devices) a poll must remove, exclusive
  int min_items = 5;       // and at least this many of them
};

// `events.coverage`.
struct CoverageOptions {
  int after_failures = 3;  // failed polls in a row before coverage.lost; below 1 behaves as 1
};

struct DiffOptions {
  BaselineMode baseline = BaselineMode::silent;
  int confirm_removals = 1;  // consecutive successful fetches an item must be missing from
  MassRemovalOptions mass_removal;
  CoverageOptions coverage;
};

struct DiffResult {
  // Device changes by device_id, each device.removed followed by its cascade of scope.removed
  // (by module_code, scope_id); then the other scope changes by (device_id, module_code,
  // scope_id); then audit.suspect_mass_removal, if any; then the coverage events, the device
  // list's first, then by pair.
  std::vector<Change> changes;
  // Removals held by the mass-removal guard in this poll (0 when it did not fire).
  std::size_t held_scope_removals = 0;
  std::size_t held_device_removals = 0;
  // Only rows whose stored state changes; devices by device_id, scopes by (device_id,
  // module_code, scope_id). A poll that sees nothing new writes nothing.
  std::vector<DeviceWrite> device_writes;
  std::vector<ScopeWrite> scope_writes;
  // More `seen` scope writes (missing_count 0), by pair: the pairs recorded silently whose every
  // scope is new (nothing stored for them), packed rather than as one ScopeWrite a scope, each
  // pair's scopes by scope_id, one per id. Only a StreamingDiff fed answers given up
  // (add(ScopeFetch&&, bool)) fills it, and not with pairs that have no scope; a pair here has
  // no write in scope_writes. Together the two lists are the writes diff() would give.
  PackedPairScopes new_pair_scopes;
  // (device, module) pairs whose new scopes were recorded silently, by pair; scope_count is the
  // number recorded (0 is a valid baseline: "fetched, nothing configured").
  std::vector<Baseline> baselines;
  std::size_t baseline_devices = 0;  // devices recorded silently from the first device list
  // Pairs fetched successfully in this observation (of listed devices); the store adds them to
  // the snapshot's fetched_pairs.
  std::set<PairKey> fetched_pairs;
};

// An Observation whose device list failed yields no write and no change but, at most, the
// device list's coverage.lost: nothing of the snapshot may change.
DiffResult diff(const Snapshot& before, const Observation& seen, const DiffOptions& options);

// The stored live scopes of one device (every module) or of one (device, module), in
// (module_code, scope_id) order. Where a streaming diff reads them (the store, or a Snapshot).
// of_pair's rows are lent, not given: they stay valid until the next call of either function,
// so that a reader can keep its buffers (and their strings' capacity) from pair to pair; a
// poll asks for 30,000 pairs, and owned rows cost four string allocations each.
// fetched_before, when set, says whether a pair was fetched successfully before, in place of
// the head's Snapshot::fetched_pairs (which the diff then does not read).
struct StoredScopes {
  std::function<std::vector<ScopeRow>(const std::string& device_id)> of_device;
  std::function<std::span<const ScopeRow>(const PairKey& pair)> of_pair;
  std::function<bool(const PairKey& pair)> fetched_before = {};
};

// diff() for a poll whose scope answers arrive one (device, module) at a time: built once the
// device list is in, fed each pair's answer as it comes (in any order), finished once. It holds
// the scopes of the pair at hand only, never the whole snapshot or the whole observation, and
// its result equals diff(before with every live scope, the observation of the same answers).
// The same defensive rules apply (a repeated pair: the first wins; a pair of an unlisted
// device: ignored). Pure like diff(): the stored scopes come through `stored` only.
class StreamingDiff {
 public:
  // `head`: the snapshot without its scopes (Snapshot::scopes is not read); `live_scopes`: how
  // many live scopes the account has (the mass-removal guard's base), or where to count them:
  // finish() calls it once, and only when the poll removes something (counting is a scan).
  // `stored.of_device` is called here, for each device whose removal is confirmed (its scopes
  // go with it). `head` and `stored` must outlive the StreamingDiff; `devices` is copied from.
  StreamingDiff(const Snapshot& head, std::size_t live_scopes, const std::vector<Device>& devices,
                const DiffOptions& options, const StoredScopes& stored);
  StreamingDiff(const Snapshot& head, std::function<std::size_t()> live_scopes,
                const std::vector<Device>& devices, const DiffOptions& options,
                const StoredScopes& stored);
  ~StreamingDiff();
  StreamingDiff(StreamingDiff&&) noexcept;
  StreamingDiff& operator=(StreamingDiff&&) noexcept;

  // How many answers will come (listed devices × modules). Optional: it lets the diff size its
  // write buffer from the first answers instead of doubling it as it goes, which would briefly
  // hold two copies of 90,000 scope writes (a first poll announced, or one of lent answers).
  void expect_answers(std::size_t answers);
  // Leaves DiffResult::fetched_pairs empty, for a caller that knows them already (the poll
  // cycle records each answer's attempt): a set of every pair is megabytes at 10,000 devices.
  void leave_out_fetched_pairs();
  // One pair's answer. Calls `stored.of_pair` for a successful fetch of a listed device.
  void add(const ScopeFetch& fetch);
  // The same, for a caller that has asked already whether the pair was fetched successfully
  // before (the poll cycle needs it for the pair's attempt too); `stored.fetched_before` and
  // the head's fetched pairs are then not consulted. Only read for a successful fetch.
  void add(const ScopeFetch& fetch, bool fetched_before);
  // The same for an answer the caller no longer needs: the scopes it records are moved out of
  // it instead of copied. The result is the same, except that a pair recorded silently whose
  // every scope is new comes in DiffResult::new_pair_scopes instead of scope_writes.
  void add(ScopeFetch&& fetch, bool fetched_before);
  // The result, in the order documented on DiffResult. Call once.
  DiffResult finish();

 private:
  struct State;
  // `fetched_before` empty: asked of `stored` (or the head) if the baseline rule needs it.
  // `owned`: the fetch's scopes when they may be moved from, else null.
  void add_answer(const ScopeFetch& fetch, std::vector<Scope>* owned,
                  std::optional<bool> fetched_before);
  std::unique_ptr<State> state_;
};

}  // namespace kda
