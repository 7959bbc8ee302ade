// sort_ascending_groups: the diff's sort of its scope writes, appended one pair at a time.
#include "diff/run_sort.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kda::diff_detail {
namespace {

const auto ascending = [](int a, int b) { return a < b; };

struct Grouped {
  std::vector<int> items;
  std::vector<std::uint32_t> starts;
};

// 0..n-1 cut into groups of 1 to `longest` items, the groups shuffled: the shape of a poll's
// writes, one group per answer, the answers in the order they arrived.
Grouped shuffled_groups(int n, int longest, std::mt19937& random) {
  std::vector<std::vector<int>> groups;
  for (int first = 0; first < n;) {
    const int size = std::min(n - first, 1 + static_cast<int>(random() % longest));
    std::vector<int> group(static_cast<std::size_t>(size));
    std::iota(group.begin(), group.end(), first);
    groups.push_back(std::move(group));
    first += size;
  }
  std::shuffle(groups.begin(), groups.end(), random);
  Grouped out;
  for (const auto& group : groups) {
    out.starts.push_back(static_cast<std::uint32_t>(out.items.size()));
    out.items.insert(out.items.end(), group.begin(), group.end());
  }
  return out;
}

std::vector<int> zero_to(int n) {
  std::vector<int> out(static_cast<std::size_t>(n));
  std::iota(out.begin(), out.end(), 0);
  return out;
}

TEST(SortAscendingGroups, PutsShuffledGroupsInOrder) {
  std::mt19937 random(3);
  for (const int n : {17, 1000, 9000}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    Grouped grouped = shuffled_groups(n, 5, random);
    ASSERT_FALSE(std::is_sorted(grouped.items.begin(), grouped.items.end()));
    sort_ascending_groups(grouped.items, grouped.starts, ascending);
    EXPECT_EQ(grouped.items, zero_to(n));
  }
}

// An int that counts how often it is moved.
struct Counted {
  int value = 0;
  static inline std::size_t moves = 0;
  explicit Counted(int v) : value(v) {}
  Counted(Counted&& other) noexcept : value(other.value) { ++moves; }
  Counted& operator=(Counted&& other) noexcept {
    value = other.value;
    ++moves;
    return *this;
  }
};

// The point of the groups: each item moves about once, where std::sort of the same 9,000
// items moves them over 100,000 times.
TEST(SortAscendingGroups, MovesEachItemAboutOnce) {
  std::mt19937 random(4);
  const Grouped grouped = shuffled_groups(9000, 5, random);
  std::vector<Counted> items;
  items.reserve(grouped.items.size());
  for (const int value : grouped.items) items.emplace_back(value);
  Counted::moves = 0;
  sort_ascending_groups(items, grouped.starts,
                        [](const Counted& a, const Counted& b) { return a.value < b.value; });
  EXPECT_LE(Counted::moves, 2 * items.size());
  for (std::size_t i = 0; i < items.size(); ++i) ASSERT_EQ(items[i].value, static_cast<int>(i));
}

TEST(SortAscendingGroups, SplitsAGroupThatDescends) {
  // One group, [3 4 0 1 2]: two runs, put in order without a fallback.
  std::vector<int> items{3, 4, 0, 1, 2};
  sort_ascending_groups(items, {0}, ascending);
  EXPECT_EQ(items, zero_to(5));
}

TEST(SortAscendingGroups, SortsGroupsWhoseRangesInterleave) {
  // [1 4 7] [0 5] [2 3 6]: no order of the groups is sorted.
  std::vector<int> items{1, 4, 7, 0, 5, 2, 3, 6};
  sort_ascending_groups(items, {0, 3, 5}, ascending);
  EXPECT_EQ(items, zero_to(8));
}

TEST(SortAscendingGroups, SortsAnyPermutationWhateverTheGroups) {
  std::mt19937 random(5);
  for (int round = 0; round < 50; ++round) {
    std::vector<int> items = zero_to(1 + static_cast<int>(random() % 200));
    std::shuffle(items.begin(), items.end(), random);
    std::vector<std::uint32_t> starts;
    for (std::uint32_t at = 0; at < items.size();
         at += static_cast<std::uint32_t>(1 + random() % 7)) {
      starts.push_back(at);
    }
    std::vector<int> expected = items;
    std::sort(expected.begin(), expected.end());
    sort_ascending_groups(items, starts, ascending);
    EXPECT_EQ(items, expected) << "round " << round;
  }
}

TEST(SortAscendingGroups, LeavesEmptySingleAndSortedListsAlone) {
  std::vector<int> empty;
  sort_ascending_groups(empty, {}, ascending);
  EXPECT_TRUE(empty.empty());
  std::vector<int> single{42};
  sort_ascending_groups(single, {0}, ascending);
  EXPECT_EQ(single, std::vector<int>{42});
  std::vector<int> sorted{1, 2, 3, 5, 8};
  sort_ascending_groups(sorted, {0, 2, 3}, ascending);
  EXPECT_EQ(sorted, (std::vector<int>{1, 2, 3, 5, 8}));
}

}  // namespace
}  // namespace kda::diff_detail
