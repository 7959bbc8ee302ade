// The mass-removal guard (issue #6): a poll that would remove too much holds its removals and
// says so; the next successful poll confirms them or clears them.
#include "diff_fixtures.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>

namespace kda {
namespace {

using namespace diff_test;

const std::string phone_id = "1775406005920779393";

// The laptop with 10 folder scopes s0..s9 and 2 album scopes; all pairs fetched before.
Snapshot laptop_with_ten_folders() {
  Snapshot snapshot;
  snapshot.account_id = "1505084218764547200";
  snapshot.device_list_fetched_before = true;
  store(snapshot, device(laptop_id, "laptop"));
  for (int i = 0; i < 10; ++i) store(snapshot, laptop_id, scope("s" + std::to_string(i)));
  store(snapshot, laptop_id, scope("a1", module_album));
  store(snapshot, laptop_id, scope("a2", module_album));
  snapshot.fetched_pairs.insert(PairKey{laptop_id, module_address_book});
  return snapshot;
}

Observation laptop_sees_folders(std::vector<Scope> folders) {
  Observation seen = observe({device(laptop_id, "laptop")});
  fetched(seen, laptop_id, module_folder, std::move(folders));
  fetched(seen, laptop_id, module_album, {scope("a1", module_album), scope("a2", module_album)});
  fetched(seen, laptop_id, module_address_book, {});
  return seen;
}

std::size_t count_type(const DiffResult& result, ChangeType type) {
  return static_cast<std::size_t>(std::count_if(result.changes.begin(), result.changes.end(),
                                                [&](const Change& c) { return c.type == type; }));
}

// Applies a result's writes to the snapshot, as the store would.
Snapshot apply(Snapshot snapshot, const DiffResult& result) {
  for (const DeviceWrite& w : result.device_writes) {
    if (w.kind == RowWrite::removed) {
      snapshot.devices.erase(w.device.device_id);
      for (auto it = snapshot.scopes.begin(); it != snapshot.scopes.end();) {
        it = it->first.device_id == w.device.device_id ? snapshot.scopes.erase(it) : std::next(it);
      }
    } else {
      snapshot.devices[w.device.device_id] = DeviceRow{w.device, w.missing_count};
    }
  }
  for (const ScopeWrite& w : result.scope_writes) {
    const ScopeKey key{w.device_id, w.scope.module_code, w.scope.scope_id};
    if (w.kind == RowWrite::removed) {
      snapshot.scopes.erase(key);
    } else {
      snapshot.scopes[key] = ScopeRow{w.device_id, w.scope, w.missing_count};
    }
  }
  snapshot.fetched_pairs.insert(result.fetched_pairs.begin(), result.fetched_pairs.end());
  snapshot.device_list_fetched_before = true;
  return snapshot;
}

TEST(MassRemoval, EmptyScopeListForAModuleWithScopesIsHeldAndReported) {
  const Snapshot before = laptop_with_ten_folders();
  const DiffResult result = diff(before, laptop_sees_folders({}), DiffOptions{});

  EXPECT_EQ(count_type(result, ChangeType::scope_removed), 0u);
  ASSERT_EQ(result.changes.size(), 1u);
  const Change& suspect = result.changes[0];
  EXPECT_EQ(suspect.type, ChangeType::suspect_mass_removal);
  EXPECT_EQ(suspect.device_id, "");
  EXPECT_FALSE(suspect.module_code);
  const auto detail = detail_of(suspect);
  EXPECT_EQ(detail.at("held_scope_removals").to_number<int>(), 10);
  EXPECT_EQ(detail.at("held_device_removals").to_number<int>(), 0);
  EXPECT_EQ(detail.at("live_scopes").to_number<int>(), 12);
  const auto& pairs = detail.at("pairs").as_array();
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].at("device_id").as_string(), laptop_id);
  EXPECT_EQ(pairs[0].at("device_name").as_string(), "laptop");
  EXPECT_EQ(pairs[0].at("module").as_string(), "folder");
  EXPECT_EQ(pairs[0].at("scopes").to_number<int>(), 10);
  EXPECT_EQ(result.held_scope_removals, 10u);

  // The rows are kept, marked missing: nothing is removed yet.
  ASSERT_EQ(result.scope_writes.size(), 10u);
  for (const ScopeWrite& w : result.scope_writes) {
    EXPECT_EQ(w.kind, RowWrite::missing);
    EXPECT_EQ(w.missing_count, 1);
  }
}

TEST(MassRemoval, TheNextPollThatStillMissesThemConfirmsTheRemovals) {
  const Snapshot held = apply(laptop_with_ten_folders(),
                              diff(laptop_with_ten_folders(), laptop_sees_folders({}), DiffOptions{}));
  const DiffResult confirmed = diff(held, laptop_sees_folders({}), DiffOptions{});
  EXPECT_EQ(count_type(confirmed, ChangeType::scope_removed), 10u);
  EXPECT_EQ(count_type(confirmed, ChangeType::suspect_mass_removal), 0u);
  EXPECT_EQ(confirmed.held_scope_removals, 0u);
  for (const ScopeWrite& w : confirmed.scope_writes) EXPECT_EQ(w.kind, RowWrite::removed);
}

TEST(MassRemoval, TheNextPollThatSeesThemAgainClearsThemWithoutEvents) {
  const Snapshot held = apply(laptop_with_ten_folders(),
                              diff(laptop_with_ten_folders(), laptop_sees_folders({}), DiffOptions{}));
  std::vector<Scope> all;
  for (int i = 0; i < 10; ++i) all.push_back(scope("s" + std::to_string(i)));
  const DiffResult back = diff(held, laptop_sees_folders(all), DiffOptions{});
  EXPECT_TRUE(back.changes.empty());
  ASSERT_EQ(back.scope_writes.size(), 10u);
  for (const ScopeWrite& w : back.scope_writes) {
    EXPECT_EQ(w.kind, RowWrite::seen);
    EXPECT_EQ(w.missing_count, 0);
  }
}

TEST(MassRemoval, PartlyBackThenTheRestConfirmed) {
  const Snapshot held = apply(laptop_with_ten_folders(),
                              diff(laptop_with_ten_folders(), laptop_sees_folders({}), DiffOptions{}));
  // Only s0..s3 come back: the six still missing were held once, so they are now confirmed.
  const DiffResult next =
      diff(held, laptop_sees_folders({scope("s0"), scope("s1"), scope("s2"), scope("s3")}),
           DiffOptions{});
  EXPECT_EQ(count_type(next, ChangeType::scope_removed), 6u);
  EXPECT_EQ(count_type(next, ChangeType::suspect_mass_removal), 0u);
}

TEST(MassRemoval, BelowTheThresholdOrTheMinimumNothingIsHeld) {
  // 6 of 12 is exactly one half, not more: removed at once.
  DiffResult half = diff(laptop_with_ten_folders(),
                         laptop_sees_folders({scope("s0"), scope("s1"), scope("s2"), scope("s3")}),
                         DiffOptions{});
  EXPECT_EQ(count_type(half, ChangeType::scope_removed), 6u);
  EXPECT_EQ(count_type(half, ChangeType::suspect_mass_removal), 0u);

  // All of few: below min_items.
  Snapshot small = known_laptop();  // three scopes
  Observation none = observe({device(laptop_id, "laptop")});
  fetched(none, laptop_id, module_folder, {});
  fetched(none, laptop_id, module_album, {});
  fetched(none, laptop_id, module_address_book, {});
  const DiffResult few = diff(small, none, DiffOptions{});
  EXPECT_EQ(count_type(few, ChangeType::scope_removed), 3u);
  EXPECT_EQ(count_type(few, ChangeType::suspect_mass_removal), 0u);

  // The same few with min_items 3: held.
  DiffOptions strict;
  strict.mass_removal.min_items = 3;
  const DiffResult held = diff(small, none, strict);
  EXPECT_EQ(count_type(held, ChangeType::scope_removed), 0u);
  EXPECT_EQ(count_type(held, ChangeType::suspect_mass_removal), 1u);
}

TEST(MassRemoval, AThresholdOfOneNeverHolds) {
  DiffOptions off;
  off.mass_removal.threshold = 1.0;
  const DiffResult result = diff(laptop_with_ten_folders(), laptop_sees_folders({}), off);
  EXPECT_EQ(count_type(result, ChangeType::scope_removed), 10u);
  EXPECT_EQ(count_type(result, ChangeType::suspect_mass_removal), 0u);
}

TEST(MassRemoval, AnEmptyDeviceListHoldsTheDevicesAndLeavesTheirScopesAlone) {
  Snapshot before = laptop_with_ten_folders();
  for (int i = 0; i < 5; ++i) store(before, device("90" + std::to_string(i)));
  const DiffResult result = diff(before, observe({}), DiffOptions{});

  EXPECT_EQ(count_type(result, ChangeType::device_removed), 0u);
  EXPECT_EQ(count_type(result, ChangeType::scope_removed), 0u);
  ASSERT_EQ(count_type(result, ChangeType::suspect_mass_removal), 1u);
  EXPECT_EQ(result.held_device_removals, 6u);
  EXPECT_EQ(result.held_scope_removals, 12u);
  EXPECT_TRUE(result.scope_writes.empty());
  ASSERT_EQ(result.device_writes.size(), 6u);
  for (const DeviceWrite& w : result.device_writes) {
    EXPECT_EQ(w.kind, RowWrite::missing);
    EXPECT_EQ(w.missing_count, 1);
  }
  const auto detail = detail_of(result.changes.back());
  const auto& devices = detail.at("devices").as_array();
  ASSERT_EQ(devices.size(), 6u);
  const auto laptop = std::find_if(devices.begin(), devices.end(), [](const auto& d) {
    return d.at("device_id").as_string() == laptop_id;
  });
  ASSERT_NE(laptop, devices.end());
  EXPECT_EQ(laptop->at("scopes").to_number<int>(), 12);

  // Confirmed by the next poll: every device.removed, with its cascade, and no new suspicion.
  const DiffResult confirmed = diff(apply(before, result), observe({}), DiffOptions{});
  EXPECT_EQ(count_type(confirmed, ChangeType::device_removed), 6u);
  EXPECT_EQ(count_type(confirmed, ChangeType::scope_removed), 12u);
  EXPECT_EQ(count_type(confirmed, ChangeType::suspect_mass_removal), 0u);
}

TEST(MassRemoval, OtherChangesOfTheSamePollGoThrough) {
  Observation seen = laptop_sees_folders({scope("new")});
  const DiffResult result = diff(laptop_with_ten_folders(), seen, DiffOptions{});
  EXPECT_EQ(count_type(result, ChangeType::scope_added), 1u);
  EXPECT_EQ(count_type(result, ChangeType::scope_removed), 0u);
  EXPECT_EQ(count_type(result, ChangeType::suspect_mass_removal), 1u);
  EXPECT_EQ(result.changes.back().type, ChangeType::suspect_mass_removal);
}

TEST(MassRemoval, WithConfirmRemovalsTwoTheThirdPollConfirms) {
  DiffOptions options;
  options.confirm_removals = 2;
  Snapshot state = laptop_with_ten_folders();
  const DiffResult first = diff(state, laptop_sees_folders({}), options);  // missing once
  EXPECT_TRUE(first.changes.empty());
  state = apply(state, first);
  const DiffResult second = diff(state, laptop_sees_folders({}), options);  // would remove: held
  EXPECT_EQ(count_type(second, ChangeType::suspect_mass_removal), 1u);
  EXPECT_EQ(count_type(second, ChangeType::scope_removed), 0u);
  state = apply(state, second);
  const DiffResult third = diff(state, laptop_sees_folders({}), options);
  EXPECT_EQ(count_type(third, ChangeType::scope_removed), 10u);
  EXPECT_EQ(count_type(third, ChangeType::suspect_mass_removal), 0u);
}

TEST(MassRemoval, AFailedFetchKeepsTheHoldUntilTheNextSuccess) {
  const Snapshot held = apply(laptop_with_ten_folders(),
                              diff(laptop_with_ten_folders(), laptop_sees_folders({}), DiffOptions{}));
  Observation failing = observe({device(laptop_id, "laptop")});
  failed(failing, laptop_id, module_folder);
  const DiffResult nothing = diff(held, failing, DiffOptions{});
  EXPECT_TRUE(nothing.changes.empty());
  EXPECT_TRUE(nothing.scope_writes.empty());
  const DiffResult confirmed = diff(held, laptop_sees_folders({}), DiffOptions{});
  EXPECT_EQ(count_type(confirmed, ChangeType::scope_removed), 10u);
}

}  // namespace
}  // namespace kda
