#pragma once
// Sorting a list built as ascending groups: the diff's scope writes, where each answer's writes
// are in scope_id order and only the fetch's concurrency shuffles the answers.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace kda::diff_detail {

// Sorts `items` by `less`, a strict weak order under which no two items are equal.
// `group_starts` (ascending) says where the caller began each group of items it appended; a
// group is expected to be ascending and to cover a range of keys no other group enters. The
// groups are then ordered by their first item and every item is moved once into place, where
// a comparison sort would move each some log n times: in a first poll of 90,000 scopes announced
// (`events.baseline: emit`) or diffed from lent answers, the 184-byte writes. Whatever the
// groups hold, the result is sorted: a group that descends is split where it does, and runs
// whose ranges interleave fall back to std::sort.
template <class T, class Less>
void sort_ascending_groups(std::vector<T>& items, const std::vector<std::uint32_t>& group_starts,
                           Less less) {
  if (items.size() > UINT32_MAX) {
    std::sort(items.begin(), items.end(), less);
    return;
  }
  struct Run {
    std::size_t first;
    std::size_t size;
  };
  std::vector<Run> runs;
  auto next_group = group_starts.begin();
  for (std::size_t first = 0; first < items.size();) {
    while (next_group != group_starts.end() && *next_group <= first) ++next_group;
    const std::size_t group_end = next_group == group_starts.end()
                                      ? items.size()
                                      : std::min<std::size_t>(*next_group, items.size());
    std::size_t end = first + 1;
    while (end < group_end && less(items[end - 1], items[end])) ++end;
    runs.push_back({first, end - first});
    first = end;
  }
  if (runs.size() <= 1) return;
  std::sort(runs.begin(), runs.end(),
            [&](const Run& a, const Run& b) { return less(items[a.first], items[b.first]); });
  for (std::size_t r = 1; r < runs.size(); ++r) {
    const Run& before = runs[r - 1];
    if (!less(items[before.first + before.size - 1], items[runs[r].first])) {
      std::sort(items.begin(), items.end(), less);
      return;
    }
  }

  // source[i]: where the item that belongs at i is now. 32 bits: four bytes an item, not eight.
  std::vector<std::uint32_t> source;
  source.reserve(items.size());
  for (const Run& run : runs) {
    for (std::size_t k = 0; k < run.size; ++k) {
      source.push_back(static_cast<std::uint32_t>(run.first + k));
    }
  }
  runs = {};
  // Each cycle of the permutation is walked once; a placed item's entry points at itself.
  for (std::size_t start = 0; start < items.size(); ++start) {
    if (source[start] == start) continue;
    T held = std::move(items[start]);
    std::size_t at = start;
    while (source[at] != start) {
      const std::size_t from = source[at];
      items[at] = std::move(items[from]);
      source[at] = static_cast<std::uint32_t>(at);
      at = from;
    }
    items[at] = std::move(held);
    source[at] = static_cast<std::uint32_t>(at);
  }
}

}  // namespace kda::diff_detail
