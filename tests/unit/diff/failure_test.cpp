// Rule 1 (failure is not absence), the no-change poll, and answers the decoder should never
// produce but the diff must still handle predictably.
#include "diff_fixtures.hpp"

#include <gtest/gtest.h>

namespace kda::diff_test {
namespace {

void expect_empty(const DiffResult& result) {
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(result.device_writes.empty());
  EXPECT_TRUE(result.scope_writes.empty());
  EXPECT_TRUE(result.baselines.empty());
  EXPECT_EQ(result.baseline_devices, 0u);
  EXPECT_TRUE(result.fetched_pairs.empty());
}

TEST(DiffFailure, FailedDeviceListChangesNothing) {
  Snapshot before = known_laptop();
  store(before, laptop_id, scope("d"), 1);  // a pending removal must not advance either
  Observation seen = device_list_failed();
  // Even if a caller left scope fetches in, a failed list means we cannot place them.
  fetched(seen, laptop_id, module_folder, {});
  expect_empty(diff(before, seen, {}));
}

TEST(DiffFailure, FailedDeviceListOnFirstPollRecordsNoBaseline) {
  expect_empty(diff(Snapshot{}, device_list_failed(), {BaselineMode::emit, 1, {}, {}}));
}

TEST(DiffFailure, FailedPairIsLeftUntouched) {
  Snapshot before = known_laptop();
  store(before, laptop_id, scope("d"), 1);  // pending removal in the failed pair
  Observation seen = observe({device(laptop_id, "laptop")});
  failed(seen, laptop_id, module_folder);
  fetched(seen, laptop_id, module_album, {scope("c", module_album)});
  fetched(seen, laptop_id, module_address_book, {});

  for (int confirm : {1, 2}) {
    const DiffResult result = diff(before, seen, {BaselineMode::silent, confirm, {}, {}});
    EXPECT_TRUE(result.changes.empty());
    EXPECT_TRUE(nothing_written(result));
    EXPECT_TRUE(result.baselines.empty());
    EXPECT_EQ(result.fetched_pairs,
              (std::set<PairKey>{{laptop_id, module_album}, {laptop_id, module_address_book}}));
  }
}

TEST(DiffFailure, FailedPairNeverFetchedBeforeGetsNoBaseline) {
  Snapshot before = known_laptop();
  before.fetched_pairs.erase(PairKey{laptop_id, module_address_book});
  Observation seen = laptop_unchanged();
  seen.scope_fetches.pop_back();
  failed(seen, laptop_id, module_address_book);

  const DiffResult result = diff(before, seen, {});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(nothing_written(result));
  EXPECT_TRUE(result.baselines.empty());
  EXPECT_FALSE(result.fetched_pairs.contains(PairKey{laptop_id, module_address_book}));
}

TEST(DiffFailure, NoChangeObservationProducesNoChangeAndNoWrite) {
  for (auto mode : {BaselineMode::silent, BaselineMode::emit}) {
    const DiffResult result = diff(known_laptop(), laptop_unchanged(), {mode, 2, {}, {}});
    EXPECT_TRUE(result.changes.empty());
    EXPECT_TRUE(nothing_written(result));
    EXPECT_TRUE(result.baselines.empty());
    EXPECT_EQ(result.baseline_devices, 0u);
    EXPECT_EQ(result.fetched_pairs, (std::set<PairKey>{{laptop_id, module_folder},
                                                       {laptop_id, module_album},
                                                       {laptop_id, module_address_book}}));
  }
}

TEST(DiffFailure, ScopeFetchForUnlistedDeviceIsIgnored) {
  const std::string stranger = "999";
  const std::string pending = "777";  // in the snapshot, missing once, removal not confirmed
  Snapshot before = known_laptop();
  store(before, device(pending));
  store(before, pending, scope("p"));
  Observation seen = laptop_unchanged();
  fetched(seen, stranger, module_folder, {scope("x")});
  fetched(seen, pending, module_folder, {});  // would remove "p" if it counted

  const DiffResult result = diff(before, seen, {BaselineMode::emit, 2, {}, {}});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_EQ(result.device_writes,
            (std::vector<DeviceWrite>{{RowWrite::missing, device(pending), 1}}));
  EXPECT_TRUE(result.scope_writes.empty());
  EXPECT_FALSE(result.fetched_pairs.contains(PairKey{stranger, module_folder}));
  EXPECT_FALSE(result.fetched_pairs.contains(PairKey{pending, module_folder}));
}

TEST(DiffFailure, DuplicateDeviceFirstWins) {
  const Device first = device("5", "first");
  const DiffResult result =
      diff(known_laptop(), [&] {
        Observation seen = laptop_unchanged();
        auto& devices = std::get<std::vector<Device>>(seen.devices);
        devices.push_back(first);
        devices.push_back(device("5", "second"));
        return seen;
      }(), {});
  EXPECT_EQ(result.changes, std::vector<Change>{device_added(first)});
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, first, 0}}));
}

TEST(DiffFailure, DuplicateScopeFirstWins) {
  Scope first = scope("e");
  Scope second = first;
  second.local_path = "D:/elsewhere";
  Observation seen = laptop_unchanged();
  seen.scope_fetches.front() =
      ScopeFetch{{laptop_id, module_folder}, std::vector<Scope>{scope("a"), scope("b"), first, second}};

  const DiffResult result = diff(known_laptop(), seen, {});
  const Device laptop = device(laptop_id, "laptop");
  EXPECT_EQ(result.changes, std::vector<Change>{scope_added(laptop, first)});
  EXPECT_EQ(result.scope_writes, (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, first, 0}}));
}

TEST(DiffFailure, DuplicatePairFetchFirstWinsEvenWhenItFailed) {
  Observation seen = laptop_unchanged();
  seen.scope_fetches.erase(seen.scope_fetches.begin());
  failed(seen, laptop_id, module_folder);
  fetched(seen, laptop_id, module_folder, {});  // would remove a and b if it counted

  const DiffResult result = diff(known_laptop(), seen, {});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(nothing_written(result));
  EXPECT_FALSE(result.fetched_pairs.contains(PairKey{laptop_id, module_folder}));
}

TEST(DiffFailure, ScopeOfAnotherModuleInAnAnswerIsIgnored) {
  Observation seen = laptop_unchanged();
  // The album answer also carries a folder scope; it must neither be added to the album pair
  // nor count as present in the folder pair.
  seen.scope_fetches[1] = ScopeFetch{{laptop_id, module_album},
                                     std::vector<Scope>{scope("c", module_album), scope("z")}};
  const DiffResult result = diff(known_laptop(), seen, {});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(nothing_written(result));
}

TEST(DiffFailure, ConfirmRemovalsBelowOneBehavesAsOne) {
  Observation seen = laptop_unchanged();
  seen.scope_fetches.front() = ScopeFetch{{laptop_id, module_folder}, std::vector<Scope>{scope("a")}};
  const Device laptop = device(laptop_id, "laptop");
  for (int confirm : {0, -3}) {
    const DiffResult result = diff(known_laptop(), seen, {BaselineMode::silent, confirm, {}, {}});
    EXPECT_EQ(result.changes, std::vector<Change>{scope_removed(laptop, scope("b"))});
    EXPECT_EQ(result.scope_writes,
              (std::vector<ScopeWrite>{{RowWrite::removed, laptop_id, scope("b"), 1}}));
  }
}

}  // namespace
}  // namespace kda::diff_test
