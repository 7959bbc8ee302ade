// Rule 2: the first device list and the first fetch of a pair are recorded, not announced,
// unless baseline is emit; a device appearing later is always news.
#include "diff_fixtures.hpp"

#include <gtest/gtest.h>

namespace kda::diff_test {
namespace {

const Device laptop = device(laptop_id, "laptop");
const Device phone = device("18446744073709551617", "phone");

// The very first successful poll of an account: two devices, the laptop with scopes in two
// modules and an empty address book, the phone with nothing configured.
Observation first_poll() {
  Observation seen = observe({phone, laptop});
  fetched(seen, laptop_id, module_folder, {scope("b"), scope("a")});
  fetched(seen, laptop_id, module_album, {scope("c", module_album)});
  fetched(seen, laptop_id, module_address_book, {});
  fetched(seen, phone.device_id, module_folder, {});
  return seen;
}

TEST(DiffBaseline, FirstDeviceListIsRecordedSilently) {
  const DiffResult result = diff(Snapshot{}, first_poll(), {});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_EQ(result.baseline_devices, 2u);
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, laptop, 0},
                                                            {RowWrite::seen, phone, 0}}));
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, scope("a"), 0},
                                     {RowWrite::seen, laptop_id, scope("b"), 0},
                                     {RowWrite::seen, laptop_id, scope("c", module_album), 0}}));
  // Every pair gets a baseline entry, an empty one too: "fetched, nothing configured".
  EXPECT_EQ(result.baselines, (std::vector<Baseline>{{{laptop_id, module_folder}, 2},
                                                     {{laptop_id, module_album}, 1},
                                                     {{laptop_id, module_address_book}, 0},
                                                     {{phone.device_id, module_folder}, 0}}));
  EXPECT_EQ(result.fetched_pairs.size(), 4u);
}

TEST(DiffBaseline, FirstDeviceListIsAnnouncedWhenEmit) {
  const DiffResult result = diff(Snapshot{}, first_poll(), {BaselineMode::emit, 1, {}, {}});
  EXPECT_EQ(result.changes, (std::vector<Change>{device_added(laptop), device_added(phone),
                                                 scope_added(laptop, scope("a")),
                                                 scope_added(laptop, scope("b")),
                                                 scope_added(laptop, scope("c", module_album))}));
  EXPECT_EQ(result.baseline_devices, 0u);
  EXPECT_TRUE(result.baselines.empty());
  // The rows written do not depend on the mode, only the events do.
  const DiffResult silent = diff(Snapshot{}, first_poll(), {});
  EXPECT_EQ(result.device_writes, silent.device_writes);
  EXPECT_EQ(result.scope_writes, silent.scope_writes);
  EXPECT_EQ(result.fetched_pairs, silent.fetched_pairs);
}

TEST(DiffBaseline, EmptyFirstDeviceListIsAValidBaseline) {
  const DiffResult result = diff(Snapshot{}, observe({}), {});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(nothing_written(result));
  EXPECT_EQ(result.baseline_devices, 0u);
}

// known_laptop() before its address book pair was ever fetched successfully.
Snapshot laptop_without_address_book() {
  Snapshot before = known_laptop();
  before.fetched_pairs.erase(PairKey{laptop_id, module_address_book});
  return before;
}

Observation laptop_with_contacts() {
  Observation seen = laptop_unchanged();
  seen.scope_fetches.back() =
      ScopeFetch{{laptop_id, module_address_book},
                 std::vector<Scope>{scope("k2", module_address_book), scope("k1", module_address_book)}};
  return seen;
}

TEST(DiffBaseline, PairNeverFetchedBeforeOnKnownDeviceIsSilent) {
  // Same poll: a new scope in a known pair is news, the new pair is a baseline.
  Observation seen = laptop_with_contacts();
  seen.scope_fetches.front() = ScopeFetch{{laptop_id, module_folder},
                                          std::vector<Scope>{scope("a"), scope("b"), scope("n")}};

  const DiffResult result = diff(laptop_without_address_book(), seen, {});
  EXPECT_EQ(result.changes, std::vector<Change>{scope_added(laptop, scope("n"))});
  EXPECT_EQ(result.baselines,
            (std::vector<Baseline>{{{laptop_id, module_address_book}, 2}}));
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, scope("n"), 0},
                                     {RowWrite::seen, laptop_id, scope("k1", module_address_book), 0},
                                     {RowWrite::seen, laptop_id, scope("k2", module_address_book), 0}}));
  EXPECT_TRUE(result.device_writes.empty());
  EXPECT_EQ(result.baseline_devices, 0u);
}

TEST(DiffBaseline, PairBaselineSilentVersusEmit) {
  struct Case {
    BaselineMode mode;
    std::vector<Change> changes;
    std::vector<Baseline> baselines;
  };
  const Case cases[] = {
      {BaselineMode::silent, {}, {{{laptop_id, module_address_book}, 2}}},
      {BaselineMode::emit,
       {scope_added(laptop, scope("k1", module_address_book)),
        scope_added(laptop, scope("k2", module_address_book))},
       {}},
  };
  for (const Case& c : cases) {
    const DiffResult result =
        diff(laptop_without_address_book(), laptop_with_contacts(), {c.mode, 1, {}, {}});
    EXPECT_EQ(result.changes, c.changes);
    EXPECT_EQ(result.baselines, c.baselines);
    EXPECT_EQ(result.scope_writes.size(), 2u);
    EXPECT_TRUE(result.fetched_pairs.contains(PairKey{laptop_id, module_address_book}));
  }
}

TEST(DiffBaseline, EmptyFirstFetchOfAPairIsRecordedWithCountZero) {
  const DiffResult result = diff(laptop_without_address_book(), laptop_unchanged(), {});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(nothing_written(result));
  EXPECT_EQ(result.baselines, (std::vector<Baseline>{{{laptop_id, module_address_book}, 0}}));
  EXPECT_TRUE(result.fetched_pairs.contains(PairKey{laptop_id, module_address_book}));
}

TEST(DiffBaseline, AnnouncedDeviceWhosePairFailedThenIsNewsWhenFetchedLater) {
  // Poll 1: the phone appears (device.added), but its folder fetch fails.
  Snapshot before = known_laptop();
  Observation first = laptop_unchanged();
  first.devices = std::vector<Device>{device(laptop_id, "laptop"), phone};
  failed(first, phone.device_id, module_folder);
  const DiffResult announced = diff(before, first, {});
  ASSERT_EQ(announced.changes, std::vector<Change>{device_added(phone)});
  EXPECT_FALSE(announced.fetched_pairs.contains(PairKey{phone.device_id, module_folder}));

  // Poll 2: the folder answers. Its scope was never part of a baseline: it is news.
  store(before, phone);
  before.announced_devices.insert(phone.device_id);
  Observation second = laptop_unchanged();
  second.devices = std::vector<Device>{device(laptop_id, "laptop"), phone};
  fetched(second, phone.device_id, module_folder, {scope("p")});
  const DiffResult result = diff(before, second, {});
  EXPECT_EQ(result.changes, std::vector<Change>{scope_added(phone, scope("p"))});
  EXPECT_TRUE(result.baselines.empty());

  // A device of the first device list whose pair is first fetched now stays a baseline.
  before.announced_devices.clear();
  EXPECT_TRUE(diff(before, second, {}).changes.empty());
}

TEST(DiffBaseline, StoredRowsInABaselinePairFollowTheOrdinaryRules) {
  // Inconsistent input (a stored scope in a pair never fetched): what we have recorded is still
  // diffed, so its disappearance is not swallowed by the baseline.
  Snapshot before = known_laptop();
  before.fetched_pairs.erase(PairKey{laptop_id, module_album});
  Observation seen = laptop_unchanged();
  seen.scope_fetches[1] = ScopeFetch{{laptop_id, module_album},
                                     std::vector<Scope>{scope("d", module_album)}};

  const DiffResult result = diff(before, seen, {});
  EXPECT_EQ(result.changes, std::vector<Change>{scope_removed(laptop, scope("c", module_album))});
  EXPECT_EQ(result.baselines, (std::vector<Baseline>{{{laptop_id, module_album}, 1}}));
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::removed, laptop_id, scope("c", module_album), 1},
                                     {RowWrite::seen, laptop_id, scope("d", module_album), 0}}));
}

}  // namespace
}  // namespace kda::diff_test
