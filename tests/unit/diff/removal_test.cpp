// Rule 3: an item is removed only after confirm_removals consecutive successful misses;
// missing_count carries the count between polls.
#include "diff_fixtures.hpp"

#include <gtest/gtest.h>

namespace kda::diff_test {
namespace {

const Device laptop = device(laptop_id, "laptop");
constexpr DiffOptions confirm_twice{BaselineMode::silent, 2, {}, {}};

Observation without_scope_b() {
  Observation seen = laptop_unchanged();
  seen.scope_fetches.front() = ScopeFetch{{laptop_id, module_folder}, std::vector<Scope>{scope("a")}};
  return seen;
}

TEST(DiffRemoval, ScopeMissingOnceIsOnlyCounted) {
  const DiffResult result = diff(known_laptop(), without_scope_b(), confirm_twice);
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(result.device_writes.empty());
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::missing, laptop_id, scope("b"), 1}}));
}

TEST(DiffRemoval, ScopeBackAfterMissingResetsCounterWithoutEvent) {
  Snapshot before = known_laptop();
  before.scopes.at(ScopeKey{laptop_id, module_folder, "b"}).missing_count = 1;
  const DiffResult result = diff(before, laptop_unchanged(), confirm_twice);
  EXPECT_TRUE(result.changes.empty());
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, scope("b"), 0}}));
}

TEST(DiffRemoval, ScopeBackAndChangedIsChanged) {
  Snapshot before = known_laptop();
  before.scopes.at(ScopeKey{laptop_id, module_folder, "b"}).missing_count = 1;
  Scope moved = scope("b");
  moved.local_path = "E:/b";
  Observation seen = laptop_unchanged();
  seen.scope_fetches.front() =
      ScopeFetch{{laptop_id, module_folder}, std::vector<Scope>{scope("a"), moved}};

  const DiffResult result = diff(before, seen, confirm_twice);
  EXPECT_EQ(result.changes, std::vector<Change>{scope_changed(laptop, scope("b"), moved)});
  EXPECT_EQ(result.scope_writes, (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, moved, 0}}));
}

TEST(DiffRemoval, ScopeMissingTwiceIsRemoved) {
  Snapshot before = known_laptop();
  before.scopes.at(ScopeKey{laptop_id, module_folder, "b"}).missing_count = 1;
  const DiffResult result = diff(before, without_scope_b(), confirm_twice);
  EXPECT_EQ(result.changes, std::vector<Change>{scope_removed(laptop, scope("b"))});
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::removed, laptop_id, scope("b"), 2}}));
}

TEST(DiffRemoval, DeviceMissingOnceIsOnlyCountedAndItsScopesUntouched) {
  const DiffResult result = diff(known_laptop(), observe({}), confirm_twice);
  EXPECT_TRUE(result.changes.empty());
  EXPECT_EQ(result.device_writes,
            (std::vector<DeviceWrite>{{RowWrite::missing, laptop, 1}}));
  EXPECT_TRUE(result.scope_writes.empty());
}

TEST(DiffRemoval, DeviceMissingTwiceIsRemovedWithCascade) {
  Snapshot before = known_laptop();
  before.devices.at(laptop_id).missing_count = 1;
  const DiffResult result = diff(before, observe({}), confirm_twice);
  EXPECT_EQ(result.changes,
            (std::vector<Change>{device_removed(laptop),
                                 scope_removed(laptop, scope("a"), "device.removed"),
                                 scope_removed(laptop, scope("b"), "device.removed"),
                                 scope_removed(laptop, scope("c", module_album), "device.removed")}));
  EXPECT_EQ(result.device_writes, (std::vector<DeviceWrite>{{RowWrite::removed, laptop, 2}}));
  EXPECT_EQ(result.scope_writes.size(), 3u);
}

TEST(DiffRemoval, ThreePollSequenceWithConfirmTwo) {
  // Feed each result back into the snapshot the way the store would, and watch the counter.
  Snapshot before = known_laptop();
  const auto apply = [&before](const DiffResult& result) {
    for (const ScopeWrite& w : result.scope_writes) {
      const ScopeKey key{w.device_id, w.scope.module_code, w.scope.scope_id};
      if (w.kind == RowWrite::removed) {
        before.scopes.erase(key);
      } else {
        before.scopes[key] = ScopeRow{w.device_id, w.scope, w.missing_count};
      }
    }
  };

  DiffResult missed = diff(before, without_scope_b(), confirm_twice);  // missing once
  EXPECT_TRUE(missed.changes.empty());
  apply(missed);
  DiffResult back = diff(before, laptop_unchanged(), confirm_twice);  // back again
  EXPECT_TRUE(back.changes.empty());
  EXPECT_EQ(back.scope_writes, (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, scope("b"), 0}}));
  apply(back);
  apply(diff(before, without_scope_b(), confirm_twice));  // the count starts over
  EXPECT_EQ(before.scopes.at(ScopeKey{laptop_id, module_folder, "b"}).missing_count, 1);
  const DiffResult gone = diff(before, without_scope_b(), confirm_twice);
  EXPECT_EQ(gone.changes, std::vector<Change>{scope_removed(laptop, scope("b"))});
  apply(gone);
  EXPECT_FALSE(before.scopes.contains(ScopeKey{laptop_id, module_folder, "b"}));
  EXPECT_TRUE(diff(before, without_scope_b(), confirm_twice).changes.empty());
}

}  // namespace
}  // namespace kda::diff_test
