#pragma once
// The baselines rows of one poll (migration 0003): what its silent baselines recorded, so that
// verify can replay them. Called by commit_poll inside its transaction.
#include "koodrive_audit/store.hpp"
#include "store/statement_cache.hpp"

#include <cstdint>
#include <string>

namespace kda::store {

// One row for the device list when poll.device_list_baseline (its `seen` device writes), then
// one per poll.baseline_pairs in PairKey order (the pair's `seen` scope writes; "[]" when it had
// none). Writes that carry an event (a change of the same device or scope) are left out: the
// event records them. Continues the baselines chain; writes nothing when there is no baseline.
void write_baselines(StatementCache& statements, const PollCommit& poll, std::int64_t poll_id,
                     const std::string& observed_at);

}  // namespace kda::store
