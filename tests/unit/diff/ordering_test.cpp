// The documented order of changes and writes, independent of the order of the input.
#include "diff_fixtures.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace kda::diff_test {
namespace {

// Three devices: "1" changed, "2" removed (with scopes), "3" new; plus scope changes on "1".
Snapshot busy_snapshot() {
  Snapshot before;
  before.device_list_fetched_before = true;
  store(before, device("1"));
  store(before, device("2"));
  store(before, "1", scope("x"));
  store(before, "1", scope("y", module_album));
  store(before, "2", scope("r2", module_album));
  store(before, "2", scope("r1", module_album));
  store(before, "2", scope("r3"));
  return before;
}

Observation busy_observation() {
  Observation seen = observe({device("3"), device("1", "renamed")});
  fetched(seen, "3", module_album, {scope("n2", module_album), scope("n1", module_album)});
  fetched(seen, "1", module_album, {});
  fetched(seen, "3", module_folder, {scope("n0")});
  fetched(seen, "1", module_folder, {scope("x"), scope("w")});
  return seen;
}

TEST(DiffOrdering, DeviceChangesThenCascadesThenScopeChangesByIdentity) {
  const Device one = device("1", "renamed");
  const Device two = device("2");
  const Device three = device("3");
  const DiffResult result = diff(busy_snapshot(), busy_observation(), {});
  EXPECT_EQ(result.changes,
            (std::vector<Change>{
                device_changed(device("1"), one),
                device_removed(two),
                scope_removed(two, scope("r3"), "device.removed"),
                scope_removed(two, scope("r1", module_album), "device.removed"),
                scope_removed(two, scope("r2", module_album), "device.removed"),
                device_added(three),
                scope_added(one, scope("w")),
                scope_removed(one, scope("y", module_album)),
                scope_added(three, scope("n0")),
                scope_added(three, scope("n1", module_album)),
                scope_added(three, scope("n2", module_album)),
            }));
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, one, 0},
                                                            {RowWrite::removed, two, 1},
                                                            {RowWrite::seen, three, 0}}));
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::seen, "1", scope("w"), 0},
                                     {RowWrite::removed, "1", scope("y", module_album), 1},
                                     {RowWrite::removed, "2", scope("r3"), 0},
                                     {RowWrite::removed, "2", scope("r1", module_album), 0},
                                     {RowWrite::removed, "2", scope("r2", module_album), 0},
                                     {RowWrite::seen, "3", scope("n0"), 0},
                                     {RowWrite::seen, "3", scope("n1", module_album), 0},
                                     {RowWrite::seen, "3", scope("n2", module_album), 0}}));
}

void expect_same(const DiffResult& a, const DiffResult& b) {
  EXPECT_EQ(a.changes, b.changes);
  EXPECT_EQ(a.device_writes, b.device_writes);
  EXPECT_EQ(a.scope_writes, b.scope_writes);
  EXPECT_EQ(a.baselines, b.baselines);
  EXPECT_EQ(a.baseline_devices, b.baseline_devices);
  EXPECT_EQ(a.fetched_pairs, b.fetched_pairs);
}

TEST(DiffOrdering, SameInputSameOutputWhateverTheInputOrder) {
  const Snapshot before = busy_snapshot();
  const Observation seen = busy_observation();
  const DiffResult reference = diff(before, seen, {});
  expect_same(diff(before, seen, {}), reference);

  // Reorder the device list, the fetches and the scopes inside each answer.
  Observation reordered = seen;
  auto& devices = std::get<std::vector<Device>>(reordered.devices);
  std::reverse(devices.begin(), devices.end());
  std::reverse(reordered.scope_fetches.begin(), reordered.scope_fetches.end());
  for (ScopeFetch& fetch : reordered.scope_fetches) {
    auto& scopes = std::get<std::vector<Scope>>(fetch.result);
    std::reverse(scopes.begin(), scopes.end());
  }
  expect_same(diff(before, reordered, {}), reference);
}

TEST(DiffOrdering, BaselinesAreOrderedByPair) {
  Observation seen = observe({device("b"), device("a")});
  fetched(seen, "b", module_folder, {});
  fetched(seen, "a", module_address_book, {});
  fetched(seen, "a", module_folder, {scope("s")});
  const DiffResult result = diff(Snapshot{}, seen, {});
  EXPECT_EQ(result.baselines, (std::vector<Baseline>{{{"a", module_folder}, 1},
                                                     {{"a", module_address_book}, 0},
                                                     {{"b", module_folder}, 0}}));
}

}  // namespace
}  // namespace kda::diff_test
