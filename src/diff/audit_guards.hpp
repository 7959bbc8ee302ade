#pragma once
// The two guards the diff applies after the event rules (see koodrive_audit/diff.hpp for what
// they promise). Pure functions of their arguments, like diff() itself.
#include "koodrive_audit/diff.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kda::diff_detail {

// The removals a poll would newly apply, as opposed to confirmations of removals held before
// (missing_count already >= confirm_removals). Collected by the diff as it goes.
struct NewRemovals {
  std::set<std::string> devices;                // device_ids
  std::set<ScopeKey> direct_scopes;             // missing from their own pair's fetch
  std::map<std::string, std::size_t> cascades;  // scopes going with a new device removal
  std::size_t scope_count() const;
};

// Holds this poll's new removals when they are a mass removal: their changes are dropped,
// their rows are written `missing` (a cascaded scope of a held device is not written at all),
// and the returned audit.suspect_mass_removal says what was held. Confirmations of removals
// held before are never held. std::nullopt, and `result` untouched, when the poll is not a mass
// removal. `head` gives the device names and the live device count; `live_scopes` the base.
std::optional<Change> hold_mass_removal(const Snapshot& head, std::size_t live_scopes,
                                        const NewRemovals& removals, DiffResult& result,
                                        const MassRemovalOptions& options);

// coverage.lost / coverage.restored of the device list, given its failure streak before this
// poll and this poll's failure (nullptr: listed).
std::optional<Change> device_list_coverage(int failures_before, const FetchFailure* failure,
                                           const CoverageOptions& options);
// The same for one (device, module) of a listed device; its streak comes from
// head.pair_failures.
std::optional<Change> pair_coverage(const Snapshot& head, const PairKey& pair,
                                    const std::string& device_name, const FetchFailure* failure,
                                    const CoverageOptions& options);

}  // namespace kda::diff_detail
