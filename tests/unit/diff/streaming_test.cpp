// StreamingDiff: the diff of a poll fed one answer at a time, reading the stored scopes of the
// pair at hand only. Its result must be diff()'s, whatever order the answers come in.
#include "diff_fixtures.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <random>

#include <gtest/gtest.h>

namespace kda::diff_test {
namespace {

// Counts what the diff asks of the store, answering from a full snapshot.
struct CountingStore {
  explicit CountingStore(const Snapshot& snapshot) : full(snapshot) {}
  const Snapshot& full;
  std::map<std::string, int> device_reads;
  std::map<PairKey, int> pair_reads;
  std::vector<ScopeRow> lent;  // the rows of_pair lends, until its next call
  int live_scope_counts = 0;

  std::function<std::size_t()> count_live_scopes() {
    return [this] {
      ++live_scope_counts;
      return full.scopes.size();
    };
  }

  StoredScopes scopes() {
    return StoredScopes{
        [this](const std::string& device_id) {
          ++device_reads[device_id];
          std::vector<ScopeRow> rows;
          for (const auto& [key, row] : full.scopes) {
            if (key.device_id == device_id) rows.push_back(row);
          }
          return rows;
        },
        [this](const PairKey& pair) {
          ++pair_reads[pair];
          lent.clear();
          for (const auto& [key, row] : full.scopes) {
            if (key.pair() == pair) lent.push_back(row);
          }
          return std::span<const ScopeRow>(lent);
        }};
  }
};

Snapshot head_of(const Snapshot& full) {
  Snapshot head = full;
  head.scopes.clear();
  return head;
}

void expect_same(const DiffResult& a, const DiffResult& b) {
  EXPECT_EQ(a.changes, b.changes);
  EXPECT_EQ(a.device_writes, b.device_writes);
  EXPECT_EQ(all_scope_writes(a), all_scope_writes(b));
  EXPECT_EQ(a.baselines, b.baselines);
  EXPECT_EQ(a.baseline_devices, b.baseline_devices);
  EXPECT_EQ(a.held_scope_removals, b.held_scope_removals);
  EXPECT_EQ(a.held_device_removals, b.held_device_removals);
  EXPECT_EQ(a.fetched_pairs, b.fetched_pairs);
}

// Twenty devices with scopes in every module; the poll changes, removes, adds, fails pairs,
// drops three devices and lists two new ones, so that every rule and both guards have work.
Snapshot big_snapshot() {
  Snapshot before;
  before.account_id = "1505084218764547200";
  before.device_list_fetched_before = true;
  for (int d = 0; d < 20; ++d) {
    const std::string id = "18428467155273665" + std::to_string(10 + d);
    store(before, device(id));
    for (int module : known_modules) {
      for (int s = 0; s < 4; ++s) store(before, id, scope(id + "-" + std::to_string(module) + "-" + std::to_string(s), module));
    }
  }
  before.pair_failures[PairKey{"1842846715527366511", module_album}] = 2;  // restored below
  before.pair_failures[PairKey{"1842846715527366512", module_folder}] = 2;  // lost below
  return before;
}

Observation big_observation(const Snapshot& before) {
  std::vector<Device> devices;
  for (const auto& [id, row] : before.devices) {
    if (id >= "1842846715527366527") continue;  // three devices gone
    devices.push_back(row.device);
  }
  devices.push_back(device("1842846715527366590"));
  devices.push_back(device("1842846715527366591"));
  Observation seen = observe(devices);
  for (const Device& d : devices) {
    for (int module : known_modules) {
      if (d.device_id == "1842846715527366512" && module == module_folder) {
        failed(seen, d.device_id, module);
        continue;
      }
      std::vector<Scope> answer;
      for (const auto& [key, row] : before.scopes) {
        if (key.pair() != PairKey{d.device_id, module}) continue;
        if (key.scope_id.ends_with("-0")) continue;  // removed
        Scope s = row.scope;
        if (key.scope_id.ends_with("-1")) s.local_path += "/moved";  // changed
        answer.push_back(s);
      }
      answer.push_back(scope(d.device_id + "-new-" + std::to_string(module), module));
      fetched(seen, d.device_id, module, std::move(answer));
    }
  }
  return seen;
}

DiffResult stream(const Snapshot& full, const Observation& seen, const DiffOptions& options,
                  CountingStore& counting) {
  const Snapshot head = head_of(full);
  const StoredScopes stored = counting.scopes();
  StreamingDiff streaming(head, counting.count_live_scopes(),
                          std::get<std::vector<Device>>(seen.devices), options, stored);
  for (const ScopeFetch& fetch : seen.scope_fetches) streaming.add(fetch);
  return streaming.finish();
}

TEST(StreamingDiff, AnyAnswerOrderGivesDiffsResult) {
  const Snapshot before = big_snapshot();
  const Observation seen = big_observation(before);
  DiffOptions options;
  options.coverage.after_failures = 3;
  options.mass_removal.threshold = 0.9;  // not a mass removal
  const DiffResult reference = diff(before, seen, options);
  ASSERT_FALSE(reference.changes.empty());

  std::mt19937 random(7);
  for (int round = 0; round < 5; ++round) {
    Observation shuffled = seen;
    std::shuffle(shuffled.scope_fetches.begin(), shuffled.scope_fetches.end(), random);
    CountingStore counting{before};
    SCOPED_TRACE("round " + std::to_string(round));
    expect_same(stream(before, shuffled, options, counting), reference);
  }
}

TEST(StreamingDiff, AMassRemovalIsHeldWhateverTheAnswerOrder) {
  const Snapshot before = big_snapshot();
  const Observation seen = big_observation(before);
  DiffOptions options;
  options.mass_removal.threshold = 0.2;
  options.mass_removal.min_items = 5;
  const DiffResult reference = diff(before, seen, options);
  ASSERT_GT(reference.held_scope_removals, 0u);

  Observation reversed = seen;
  std::reverse(reversed.scope_fetches.begin(), reversed.scope_fetches.end());
  CountingStore counting{before};
  expect_same(stream(before, reversed, options, counting), reference);
}

// A poll of big_snapshot() in which two album pairs were never fetched (their new scopes are a
// silent baseline, the others' are news), and its head without fetched_pairs, as the daemon
// loads it (the reader says which pairs were fetched before, from fetch_status).
struct TwoPairsNeverFetched {
  Snapshot before = big_snapshot();
  Observation seen;
  DiffOptions options;
  DiffResult reference;
  Snapshot head;

  TwoPairsNeverFetched() {
    for (const std::string id : {"1842846715527366513", "1842846715527366517"}) {
      EXPECT_EQ(before.fetched_pairs.erase(PairKey{id, module_album}), 1u);
    }
    // One of them has nothing stored either: every scope its answer brings is new.
    EXPECT_EQ(std::erase_if(before.scopes,
                            [](const auto& entry) {
                              return entry.first.pair() ==
                                     PairKey{"1842846715527366517", module_album};
                            }),
              4u);
    seen = big_observation(before);
    options.mass_removal.threshold = 0.9;
    reference = diff(before, seen, options);
    EXPECT_FALSE(reference.baselines.empty());
    head = head_of(before);
    head.fetched_pairs.clear();
  }
  StreamingDiff streaming(const StoredScopes& stored) const {
    return StreamingDiff(head, before.scopes.size(), std::get<std::vector<Device>>(seen.devices),
                         options, stored);
  }
};

TEST(StreamingDiff, FetchedPairsFromTheStoreInsteadOfTheHeadGiveDiffsResult) {
  const TwoPairsNeverFetched poll;
  CountingStore counting{poll.before};
  StoredScopes stored = counting.scopes();
  int asked = 0;
  stored.fetched_before = [&](const PairKey& pair) {
    ++asked;
    return poll.before.fetched_pairs.contains(pair);
  };
  StreamingDiff streaming = poll.streaming(stored);
  for (const ScopeFetch& fetch : poll.seen.scope_fetches) streaming.add(fetch);
  expect_same(streaming.finish(), poll.reference);
  EXPECT_GT(asked, 0);
}

// The poll cycle asks the reader once per answer and hands the answer to the diff with it: the
// diff then asks nobody, and the baseline rule follows what it was told.
TEST(StreamingDiff, AnAnswerGivenWithWhetherItsPairWasFetchedBeforeIsDiffedByThat) {
  const TwoPairsNeverFetched poll;
  CountingStore counting{poll.before};
  StoredScopes stored = counting.scopes();
  int asked = 0;
  stored.fetched_before = [&](const PairKey&) {
    ++asked;
    return true;  // would make every pair news; the caller's word must win
  };
  StreamingDiff streaming = poll.streaming(stored);
  for (const ScopeFetch& fetch : poll.seen.scope_fetches) {
    streaming.add(fetch, poll.before.fetched_pairs.contains(fetch.pair));
  }
  expect_same(streaming.finish(), poll.reference);
  EXPECT_EQ(asked, 0);
}

// The poll cycle gives each answer up; the diff then moves the scopes it records out of it
// instead of copying them. Silent baselines, news and changes must come out the same.
TEST(StreamingDiff, AnAnswerGivenUpGivesTheSameResultAsOneLent) {
  const TwoPairsNeverFetched poll;
  CountingStore counting{poll.before};
  const StoredScopes stored = counting.scopes();
  Observation shuffled = poll.seen;
  std::mt19937 random(11);
  std::shuffle(shuffled.scope_fetches.begin(), shuffled.scope_fetches.end(), random);
  StreamingDiff streaming = poll.streaming(stored);
  for (ScopeFetch& fetch : shuffled.scope_fetches) {
    const bool fetched_before = poll.before.fetched_pairs.contains(fetch.pair);
    streaming.add(std::move(fetch), fetched_before);
  }
  const DiffResult result = streaming.finish();
  ASSERT_FALSE(result.baselines.empty());
  ASSERT_FALSE(result.changes.empty());
  expect_same(result, poll.reference);
  // The pair with nothing stored comes whole; the other baseline pair, which has stored rows,
  // as scope writes.
  ASSERT_EQ(result.new_pair_scopes.pair_count(), 1u);
  EXPECT_EQ(result.new_pair_scopes.pair(0), (PairKey{"1842846715527366517", module_album}));
  EXPECT_TRUE(std::any_of(result.scope_writes.begin(), result.scope_writes.end(),
                          [](const ScopeWrite& w) {
                            return w.device_id == "1842846715527366513" &&
                                   w.scope.module_code == module_album;
                          }));
}

// A first poll's answers given up: each pair is recorded whole, its scopes in scope_id order,
// one per id (the first wins) and of its own module only, as diff() would record them; no
// ScopeWrite is built for them. An empty answer is a baseline of 0 and holds nothing.
TEST(StreamingDiff, AFirstPollGivenUpHoldsEachNewPairAsItsAnswer) {
  const std::string phone = "18446744073709551617";
  Observation seen = observe({device(laptop_id), device(phone)});
  Scope first_b = scope("b");
  Scope second_b = scope("b");
  second_b.local_path = "/a repeated id";
  fetched(seen, laptop_id, module_folder,
          {scope("c"), first_b, scope("a"), second_b, scope("x", module_album)});
  fetched(seen, laptop_id, module_album, {scope("e", module_album), scope("d", module_album)});
  fetched(seen, phone, module_folder, {});
  const DiffResult reference = diff(Snapshot{}, seen, {});

  const Snapshot empty;
  CountingStore counting{empty};
  const StoredScopes stored = counting.scopes();
  StreamingDiff streaming(empty, 0, std::get<std::vector<Device>>(seen.devices), {}, stored);
  std::reverse(seen.scope_fetches.begin(), seen.scope_fetches.end());
  for (ScopeFetch& fetch : seen.scope_fetches) streaming.add(std::move(fetch), false);
  const DiffResult result = streaming.finish();

  EXPECT_TRUE(result.scope_writes.empty());
  const std::vector<Scope> folder{scope("a"), first_b, scope("c")};
  const std::vector<Scope> album{scope("d", module_album), scope("e", module_album)};
  EXPECT_EQ(result.new_pair_scopes.unpack(),
            (std::vector<PairScopes>{{{laptop_id, module_folder}, folder},
                                     {{laptop_id, module_album}, album}}));
  EXPECT_EQ(result.baselines, (std::vector<Baseline>{{{laptop_id, module_folder}, 3},
                                                     {{laptop_id, module_album}, 2},
                                                     {{phone, module_folder}, 0}}));
  expect_same(result, reference);
  EXPECT_TRUE(result.changes.empty());
}

// Counting the live scopes is a scan of the account's scopes: only a poll with a removal,
// which the mass-removal guard must weigh, pays for it.
TEST(StreamingDiff, CountsTheLiveScopesOnlyWhenThePollRemovesSomething) {
  const Snapshot unchanged = known_laptop();
  CountingStore quiet{unchanged};
  const DiffResult nothing = stream(unchanged, laptop_unchanged(), {}, quiet);
  EXPECT_TRUE(nothing.changes.empty());
  EXPECT_EQ(quiet.live_scope_counts, 0);

  const Snapshot before = big_snapshot();
  CountingStore removing{before};
  DiffOptions options;
  options.mass_removal.threshold = 0.2;
  options.mass_removal.min_items = 5;
  const DiffResult held = stream(before, big_observation(before), options, removing);
  EXPECT_GT(held.held_scope_removals, 0u);
  EXPECT_EQ(removing.live_scope_counts, 1);
}

TEST(StreamingDiff, ReadsEachFetchedPairOnceAndOnlyRemovedDevicesWhole) {
  const Snapshot before = big_snapshot();
  Observation seen = big_observation(before);
  // A repeated answer and an answer for a device the list does not hold are not read.
  seen.scope_fetches.push_back(seen.scope_fetches.front());
  fetched(seen, "9999", module_folder, {scope("stray")});
  CountingStore counting{before};
  stream(before, seen, {}, counting);

  for (const auto& [pair, reads] : counting.pair_reads) EXPECT_EQ(reads, 1) << pair.device_id;
  // 19 listed devices × 3 modules, less the failed pair.
  EXPECT_EQ(counting.pair_reads.size(), 19u * 3 - 1);
  EXPECT_FALSE(counting.pair_reads.contains(PairKey{"1842846715527366512", module_folder}));
  EXPECT_FALSE(counting.pair_reads.contains(PairKey{"9999", module_folder}));
  EXPECT_EQ(counting.device_reads,
            (std::map<std::string, int>{{"1842846715527366527", 1},
                                        {"1842846715527366528", 1},
                                        {"1842846715527366529", 1}}));
}

TEST(StreamingDiff, TheHeadsScopesAreNotRead) {
  // Only `stored` tells the diff what is stored: a head that still carries scopes must not
  // change the result (the daemon's head has none).
  const Snapshot before = known_laptop();
  Snapshot head_with_stale_scopes = before;
  store(head_with_stale_scopes, laptop_id, scope("stale"));
  CountingStore counting{before};
  const StoredScopes stored = counting.scopes();
  const Observation seen = laptop_unchanged();
  StreamingDiff streaming(head_with_stale_scopes, before.scopes.size(),
                          std::get<std::vector<Device>>(seen.devices), {}, stored);
  for (const ScopeFetch& fetch : seen.scope_fetches) streaming.add(fetch);
  const DiffResult result = streaming.finish();
  EXPECT_TRUE(result.changes.empty());
  EXPECT_TRUE(nothing_written(result));
}

TEST(StreamingDiff, LeavingOutTheFetchedPairsChangesNothingElse) {
  const Snapshot before = big_snapshot();
  const Observation seen = big_observation(before);
  const DiffResult reference = diff(before, seen, {});
  ASSERT_FALSE(reference.fetched_pairs.empty());

  const Snapshot head = head_of(before);
  CountingStore counting{before};
  const StoredScopes stored = counting.scopes();
  StreamingDiff streaming(head, before.scopes.size(), std::get<std::vector<Device>>(seen.devices),
                          {}, stored);
  streaming.leave_out_fetched_pairs();
  for (const ScopeFetch& fetch : seen.scope_fetches) streaming.add(fetch);
  DiffResult result = streaming.finish();
  EXPECT_TRUE(result.fetched_pairs.empty());
  result.fetched_pairs = reference.fetched_pairs;
  expect_same(result, reference);
}

}  // namespace
}  // namespace kda::diff_test
