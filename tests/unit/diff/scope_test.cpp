// Scopes of a known pair: added, removed, changed per field; identities kept as exact strings.
#include "diff_fixtures.hpp"

#include <gtest/gtest.h>

namespace kda::diff_test {
namespace {

const Device laptop = device(laptop_id, "laptop");

// laptop_unchanged() with the folder answer replaced.
Observation with_folder(std::vector<Scope> scopes) {
  Observation seen = laptop_unchanged();
  seen.scope_fetches.front() = ScopeFetch{{laptop_id, module_folder}, std::move(scopes)};
  return seen;
}

TEST(DiffScope, NewScopeInKnownPairIsAdded) {
  const DiffResult result =
      diff(known_laptop(), with_folder({scope("a"), scope("b"), scope("new")}), {});
  ASSERT_EQ(result.changes, std::vector<Change>{scope_added(laptop, scope("new"))});
  EXPECT_EQ(result.changes.front().module_code, module_folder);
  EXPECT_EQ(result.changes.front().scope_id, "new");
  EXPECT_EQ(result.changes.front().device_name, "laptop");
  EXPECT_TRUE(result.device_writes.empty());
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, scope("new"), 0}}));
  EXPECT_TRUE(result.baselines.empty());
}

TEST(DiffScope, MissingScopeIsRemoved) {
  const DiffResult result = diff(known_laptop(), with_folder({scope("b")}), {});
  EXPECT_EQ(result.changes, std::vector<Change>{scope_removed(laptop, scope("a"))});
  EXPECT_EQ(result.changes.front().cause, "");
  EXPECT_TRUE(result.device_writes.empty());
  EXPECT_EQ(result.scope_writes,
            (std::vector<ScopeWrite>{{RowWrite::removed, laptop_id, scope("a"), 1}}));
}

TEST(DiffScope, EmptyAnswerRemovesEveryScopeOfThatPairOnly) {
  const DiffResult result = diff(known_laptop(), with_folder({}), {});
  EXPECT_EQ(result.changes, (std::vector<Change>{scope_removed(laptop, scope("a")),
                                                 scope_removed(laptop, scope("b"))}));
  EXPECT_EQ(result.scope_writes.size(), 2u);
}

struct ScopeFieldCase {
  const char* field;
  void (*edit)(Scope&);
};

class DiffScopeChanged : public testing::TestWithParam<ScopeFieldCase> {};

TEST_P(DiffScopeChanged, AnyFieldChangeIsScopeChangedWithWholeRecords) {
  Scope after = scope("b");
  GetParam().edit(after);
  ASSERT_NE(after, scope("b"));

  const DiffResult result = diff(known_laptop(), with_folder({scope("a"), after}), {});
  EXPECT_EQ(result.changes, std::vector<Change>{scope_changed(laptop, scope("b"), after)});
  EXPECT_TRUE(result.device_writes.empty());
  EXPECT_EQ(result.scope_writes, (std::vector<ScopeWrite>{{RowWrite::seen, laptop_id, after, 0}}));
}

INSTANTIATE_TEST_SUITE_P(
    EachField, DiffScopeChanged,
    testing::Values(
        ScopeFieldCase{"local_path", [](Scope& s) { s.local_path = "D:/moved"; }},
        ScopeFieldCase{"target_folder_path", [](Scope& s) { s.target_folder_path = "/Other"; }},
        ScopeFieldCase{"create_time", [](Scope& s) { s.create_time = "2026-03-01T00:00:00Z"; }}),
    [](const testing::TestParamInfo<ScopeFieldCase>& param_info) { return param_info.param.field; });

TEST(DiffScope, SameScopeIdInAnotherModuleIsAnotherScope) {
  // module_code is part of the identity, never a changed field.
  const DiffResult result =
      diff(known_laptop(), with_folder({scope("a"), scope("b"), scope("c")}), {});
  EXPECT_EQ(result.changes, std::vector<Change>{scope_added(laptop, scope("c"))});
}

TEST(DiffScope, IdsBeyondDoublePrecisionStayExact) {
  // 2^64 + 1 and its neighbour are the same double; as strings they are different identities.
  const std::string big = "18446744073709551617";
  const std::string neighbour = "18446744073709551616";
  const Device owner = device(big, "big");
  Snapshot before;
  before.device_list_fetched_before = true;
  store(before, owner);
  store(before, big, scope("1842846715527366528"));
  Observation seen = observe({owner});
  fetched(seen, big, module_folder, {scope("1842846715527366529")});

  const DiffResult result = diff(before, seen, {});
  ASSERT_EQ(result.changes,
            (std::vector<Change>{scope_removed(owner, scope("1842846715527366528")),
                                 scope_added(owner, scope("1842846715527366529"))}));
  EXPECT_EQ(result.changes[0].device_id, big);
  EXPECT_EQ(result.changes[0].scope_id, "1842846715527366528");
  EXPECT_EQ(result.changes[1].scope_id, "1842846715527366529");
  EXPECT_EQ(result.fetched_pairs, (std::set<PairKey>{{big, module_folder}}));

  // A device whose id differs only in the last digit is a different device.
  store(before, device(neighbour));
  std::get<std::vector<Device>>(seen.devices).push_back(device(neighbour, "renamed"));
  const DiffResult two = diff(before, seen, {});
  EXPECT_EQ(two.changes.front(), device_changed(device(neighbour), device(neighbour, "renamed")));
}

}  // namespace
}  // namespace kda::diff_test
