// PackedPairScopes: scopes packed a pair at a time come back as they went in, whatever their
// sizes and wherever the buffers end.
#include "koodrive_audit/packed_scopes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace kda {
namespace {

Scope scope(const std::string& id, int module_code, std::size_t path_length = 10) {
  return Scope{id, module_code, "/" + std::string(path_length, 'p'), "/Backup/" + id,
               "2024-02-21T10:33:46.151Z"};
}

std::vector<PairScopes> sample() {
  // Many pairs of several scopes, so that the 64 KiB buffers end in the middle of a pair, with
  // an empty pair, empty texts, an embedded NUL and one scope larger than a buffer among them.
  std::vector<PairScopes> pairs;
  for (int d = 0; d < 400; ++d) {
    PairScopes pair{{"18428467155273665" + std::to_string(d), 100 + d % 3}, {}};
    for (int s = 0; s < d % 5; ++s) {
      pair.scopes.push_back(scope(std::to_string(d * 10 + s), pair.pair.module_code, 100 + s));
    }
    pairs.push_back(std::move(pair));
  }
  pairs[7].scopes.push_back(Scope{"", 101, "", "", ""});
  pairs[8].scopes.push_back(Scope{std::string("a\0b", 3), 102, "x", std::string(1, '\0'), "t"});
  pairs[9].scopes.push_back(scope("huge", 100, 200'000));
  return pairs;
}

PackedPairScopes pack(const std::vector<PairScopes>& pairs) {
  PackedPairScopes packed;
  for (const PairScopes& pair : pairs) {
    packed.add_pair(pair.pair);
    for (const Scope& s : pair.scopes) packed.add_scope(s);
  }
  return packed;
}

TEST(PackedPairScopes, GivesBackWhatWasAddedInOrder) {
  const std::vector<PairScopes> pairs = sample();
  const PackedPairScopes packed = pack(pairs);
  ASSERT_EQ(packed.pair_count(), pairs.size());
  EXPECT_EQ(packed.unpack(), pairs);
  std::size_t scopes = 0;
  for (std::size_t i = 0; i < packed.pair_count(); ++i) {
    EXPECT_EQ(packed.pair(i), pairs[i].pair);
    EXPECT_EQ(packed.scope_count(i), pairs[i].scopes.size());
    scopes += packed.scope_count(i);
  }
  EXPECT_GT(scopes, 800u);  // two buffers of 64 KiB and more, and the huge scope's own
}

TEST(PackedPairScopes, ACopyAndAMoveGiveTheSame) {
  const std::vector<PairScopes> pairs = sample();
  PackedPairScopes packed = pack(pairs);
  PackedPairScopes copy = packed;
  // The copy's buffers are full: what is added to it goes into a new one.
  copy.add_pair({"9", 100});
  copy.add_scope(scope("9", 100));
  std::vector<PairScopes> more = pairs;
  more.push_back({{"9", 100}, {scope("9", 100)}});
  EXPECT_EQ(copy.unpack(), more);
  const PackedPairScopes moved = std::move(packed);
  EXPECT_EQ(moved.unpack(), pairs);
}

TEST(PackedPairScopes, SortsThePairsAndKeepsEachPairsScopes) {
  std::vector<PairScopes> pairs = sample();
  std::vector<PairScopes> shuffled;
  for (std::size_t i = 0; i < pairs.size(); ++i) shuffled.push_back(pairs[(i * 7) % pairs.size()]);
  PackedPairScopes packed = pack(shuffled);
  packed.sort_by_pair();
  std::sort(pairs.begin(), pairs.end(),
            [](const PairScopes& a, const PairScopes& b) { return a.pair < b.pair; });
  EXPECT_EQ(packed.unpack(), pairs);
}

TEST(PackedPairScopes, ReadingReusesTheScratchScope) {
  const PackedPairScopes packed = pack(sample());
  Scope scratch;
  std::vector<std::string> ids;
  packed.for_each_scope(4, scratch, [&](const Scope& s) {
    EXPECT_EQ(&s, &scratch);
    ids.push_back(s.scope_id);
  });
  EXPECT_EQ(ids, (std::vector<std::string>{"40", "41", "42", "43"}));
}

TEST(PackedPairScopes, AScopeNeedsAPair) {
  PackedPairScopes packed;
  EXPECT_THROW(packed.add_scope(scope("1", 100)), std::logic_error);
  EXPECT_TRUE(packed.empty());
}

}  // namespace
}  // namespace kda
