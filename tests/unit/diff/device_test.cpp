// Devices: added (with all its scopes as news), removed (rule 4 cascade), changed per field.
#include "diff_fixtures.hpp"

#include <gtest/gtest.h>

namespace kda::diff_test {
namespace {

const Device laptop = device(laptop_id, "laptop");

TEST(DiffDevice, LaterDeviceIsAddedWithAllItsScopes) {
  const Device phone = device("18446744073709551617", "phone");
  Observation seen = laptop_unchanged();
  std::get<std::vector<Device>>(seen.devices).push_back(phone);
  fetched(seen, phone.device_id, module_folder, {scope("f2"), scope("f1")});
  fetched(seen, phone.device_id, module_album, {scope("p1", module_album)});
  fetched(seen, phone.device_id, module_address_book, {});

  // Whatever the baseline mode: a device appearing later is news, its scopes too.
  for (auto mode : {BaselineMode::silent, BaselineMode::emit}) {
    const DiffResult result = diff(known_laptop(), seen, {mode, 1, {}, {}});
    EXPECT_EQ(result.changes, (std::vector<Change>{device_added(phone),
                                                   scope_added(phone, scope("f1")),
                                                   scope_added(phone, scope("f2")),
                                                   scope_added(phone, scope("p1", module_album))}));
    EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, phone, 0}}));
    EXPECT_EQ(result.scope_writes,
              (std::vector<ScopeWrite>{{RowWrite::seen, phone.device_id, scope("f1"), 0},
                                       {RowWrite::seen, phone.device_id, scope("f2"), 0},
                                       {RowWrite::seen, phone.device_id, scope("p1", module_album), 0}}));
    EXPECT_TRUE(result.baselines.empty());
    EXPECT_EQ(result.baseline_devices, 0u);
    EXPECT_TRUE(result.fetched_pairs.contains(PairKey{phone.device_id, module_address_book}));
  }
}

TEST(DiffDevice, ReappearingDeviceIsAddedAgainWithItsScopes) {
  // Removed earlier: not in the live snapshot, but its pairs were fetched before.
  Snapshot before = known_laptop();
  const Device tablet = device("42", "tablet");
  before.fetched_pairs.insert(PairKey{tablet.device_id, module_folder});
  Observation seen = laptop_unchanged();
  std::get<std::vector<Device>>(seen.devices).push_back(tablet);
  fetched(seen, tablet.device_id, module_folder, {scope("t")});

  const DiffResult result = diff(before, seen, {});
  EXPECT_EQ(result.changes,
            (std::vector<Change>{device_added(tablet), scope_added(tablet, scope("t"))}));
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, tablet, 0}}));
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::seen, tablet.device_id, scope("t"), 0}}));
}

TEST(DiffDevice, RemovalCascadesToItsLiveScopes) {
  Snapshot before = known_laptop();
  const Device desktop = device("3", "desktop");
  store(before, desktop);
  store(before, laptop_id, scope("a2", module_address_book), 1);  // missing once, still live
  const Device old_laptop = laptop;

  const DiffResult result = diff(before, observe({desktop}), {});
  // By (module_code, scope_id): "a2" sorts before "c" but its module comes later.
  EXPECT_EQ(result.changes,
            (std::vector<Change>{
                device_removed(old_laptop),
                scope_removed(old_laptop, scope("a"), "device.removed"),
                scope_removed(old_laptop, scope("b"), "device.removed"),
                scope_removed(old_laptop, scope("c", module_album), "device.removed"),
                scope_removed(old_laptop, scope("a2", module_address_book), "device.removed"),
            }));
  EXPECT_EQ(result.changes.front().cause, "");
  EXPECT_EQ(result.device_writes,
            (std::vector<DeviceWrite>{{RowWrite::removed, old_laptop, 1}}));
  // A cascaded scope keeps its own counter: no scope fetch missed it.
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::removed, laptop_id, scope("a"), 0},
                                     {RowWrite::removed, laptop_id, scope("b"), 0},
                                     {RowWrite::removed, laptop_id, scope("c", module_album), 0},
                                     {RowWrite::removed, laptop_id, scope("a2", module_address_book), 1}}));
  EXPECT_TRUE(result.fetched_pairs.empty());
}

TEST(DiffDevice, RemovedDeviceWithoutScopesHasNoCascade) {
  Snapshot before;
  before.device_list_fetched_before = true;
  const Device bare = device("8");
  store(before, bare);
  const DiffResult result = diff(before, observe({}), {});
  EXPECT_EQ(result.changes, std::vector<Change>{device_removed(bare)});
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::removed, bare, 1}}));
  EXPECT_TRUE(result.scope_writes.empty());
}

struct DeviceFieldCase {
  const char* field;
  void (*edit)(Device&);
};

class DiffDeviceChanged : public testing::TestWithParam<DeviceFieldCase> {};

TEST_P(DiffDeviceChanged, AnyFieldChangeIsDeviceChangedWithWholeRecords) {
  Device after = laptop;
  GetParam().edit(after);
  ASSERT_NE(after, laptop);
  Observation seen = laptop_unchanged();
  std::get<std::vector<Device>>(seen.devices).front() = after;

  const DiffResult result = diff(known_laptop(), seen, {});
  EXPECT_EQ(result.changes, std::vector<Change>{device_changed(laptop, after)});
  EXPECT_EQ(result.changes.front().device_name, after.device_name);
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, after, 0}}));
  EXPECT_TRUE(result.scope_writes.empty());
}

INSTANTIATE_TEST_SUITE_P(
    EachField, DiffDeviceChanged,
    testing::Values(DeviceFieldCase{"machine_code", [](Device& d) { d.machine_code = "MC-new"; }},
                    DeviceFieldCase{"device_name", [](Device& d) { d.device_name = "renamed"; }},
                    DeviceFieldCase{"device_os", [](Device& d) { d.device_os = "Windows 12"; }},
                    DeviceFieldCase{"create_time",
                                    [](Device& d) { d.create_time = "2026-02-01T00:00:00Z"; }}),
    [](const testing::TestParamInfo<DeviceFieldCase>& param_info) { return param_info.param.field; });

TEST(DiffDevice, ScopeChangesCarryTheDevicesNewName) {
  Device renamed = laptop;
  renamed.device_name = "laptop-2";
  Observation seen = laptop_unchanged();
  std::get<std::vector<Device>>(seen.devices).front() = renamed;
  seen.scope_fetches.front() =
      ScopeFetch{{laptop_id, module_folder}, std::vector<Scope>{scope("a"), scope("b"), scope("n")}};

  const DiffResult result = diff(known_laptop(), seen, {});
  EXPECT_EQ(result.changes, (std::vector<Change>{device_changed(laptop, renamed),
                                                 scope_added(renamed, scope("n"))}));
}

TEST(DiffDevice, DeviceBackAfterMissingResetsCounterWithoutEvent) {
  Snapshot before = known_laptop();
  before.devices.at(laptop_id).missing_count = 1;
  const DiffResult result = diff(before, laptop_unchanged(), {BaselineMode::silent, 2, {}, {}});
  EXPECT_TRUE(result.changes.empty());
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, laptop, 0}}));
  EXPECT_TRUE(result.scope_writes.empty());
}

TEST(DiffDevice, DeviceBackAndChangedIsChanged) {
  Snapshot before = known_laptop();
  before.devices.at(laptop_id).missing_count = 1;
  Device after = laptop;
  after.device_os = "Linux";
  Observation seen = laptop_unchanged();
  std::get<std::vector<Device>>(seen.devices).front() = after;

  const DiffResult result = diff(before, seen, {BaselineMode::silent, 2, {}, {}});
  EXPECT_EQ(result.changes, std::vector<Change>{device_changed(laptop, after)});
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::seen, after, 0}}));
}

}  // namespace
}  // namespace kda::diff_test
