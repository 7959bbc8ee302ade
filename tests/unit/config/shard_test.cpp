// shard: {index, count}. Which accounts an instance polls, and the config rules.
#include "config_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kda {
namespace {

using ::testing::ElementsAre;

TEST(Shard, DefaultsToOneShardThatTakesEveryAccount) {
  const Config config = test::parse(test::minimal);
  EXPECT_EQ(config.shard, (ShardConfig{0, 1}));
  EXPECT_TRUE(in_shard("1505084218764547200", config.shard));
  EXPECT_TRUE(in_shard("", config.shard));
}

TEST(Shard, IsReadFromTheConfig) {
  const Config config =
      test::parse(std::string(test::minimal) + "shard: {index: 2, count: 3}\n");
  EXPECT_EQ(config.shard, (ShardConfig{2, 3}));
}

TEST(Shard, IndexMustBeBelowCount) {
  EXPECT_THAT(test::errors_of(std::string(test::minimal) + "shard: {index: 3, count: 3}\n"),
              ElementsAre("test.yaml:4:16: shard.index: must be less than shard.count (3)"));
  EXPECT_THAT(test::errors_of(std::string(test::minimal) + "shard: {count: 0}\n"),
              ElementsAre(::testing::HasSubstr("shard.count")));
}

// Every account belongs to exactly one shard, for every count.
TEST(Shard, SplitsTheAccountsWithoutGapOrOverlap) {
  std::vector<std::string> accounts;
  for (int i = 0; i < 1000; ++i) accounts.push_back(std::to_string(1505084218764547200ULL + 7919ULL * i));
  for (int count : {1, 2, 3, 7, 64}) {
    std::vector<int> per_shard(static_cast<std::size_t>(count), 0);
    for (const std::string& account : accounts) {
      int owners = 0;
      for (int index = 0; index < count; ++index) {
        if (in_shard(account, ShardConfig{index, count})) {
          ++owners;
          ++per_shard[static_cast<std::size_t>(index)];
        }
      }
      EXPECT_EQ(owners, 1) << account << " with count " << count;
    }
    // Spread: no shard gets less than half or more than twice its fair share.
    for (int n : per_shard) {
      EXPECT_GT(n, 1000 / count / 2) << "count " << count;
      EXPECT_LT(n, 1000 / count * 2 + 1) << "count " << count;
    }
  }
}

// The hash is part of the deployment contract: operators split accounts with it, and a new
// version must not move an account to another instance. FNV-1a 64 of the user_id's bytes:
// "1505084218764547200" → 0x20a5b0dfb30d7a7a (python3 in docs/configuration.md recomputes it).
TEST(Shard, HashIsFnv1a64OfTheUserId) {
  constexpr unsigned long long hash = 0x20a5b0dfb30d7a7aULL;
  for (int count : {2, 3, 10, 1024}) {
    const int index = static_cast<int>(hash % static_cast<unsigned long long>(count));
    EXPECT_TRUE(in_shard("1505084218764547200", ShardConfig{index, count})) << count;
  }
}

}  // namespace
}  // namespace kda
