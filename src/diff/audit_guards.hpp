#pragma once
// The two guards diff() applies after the event rules (see koodrive_audit/diff.hpp for what
// they promise). Pure functions of their arguments, like diff() itself.
#include "koodrive_audit/diff.hpp"

#include <optional>
#include <vector>

namespace kda::diff_detail {

// Holds this poll's new removals when they are a mass removal: their changes are dropped,
// their rows are written `missing` (a cascaded scope of a held device is not written at all),
// and the returned audit.suspect_mass_removal says what was held. Confirmations of removals held
// before (missing_count already >= confirm_removals, and the cascades of such a device) are
// never held. std::nullopt, and `result` untouched, when the poll is not a mass removal.
std::optional<Change> hold_mass_removal(const Snapshot& before, DiffResult& result,
                                        const MassRemovalOptions& options, int confirm_removals);

// The coverage.lost / coverage.restored events of one observation, device list first, then by
// pair (fetches of unlisted devices and repeated pairs are ignored, as by the diff).
std::vector<Change> coverage_changes(const Snapshot& before, const Observation& seen,
                                     const CoverageOptions& options);

}  // namespace kda::diff_detail
