// Coverage events (issue #6): a part of the account that fails `after_failures` polls in a row
// raises coverage.lost once; its first success after that raises coverage.restored once.
#include "diff_fixtures.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace kda {
namespace {

using namespace diff_test;

std::vector<Change> of_type(const DiffResult& result, ChangeType type) {
  std::vector<Change> out;
  for (const Change& c : result.changes) {
    if (c.type == type) out.push_back(c);
  }
  return out;
}

Observation folder_fails() {
  Observation seen = laptop_unchanged();
  seen.scope_fetches[0] = ScopeFetch{
      PairKey{laptop_id, module_folder},
      FetchFailure{"GET /koodrive/ose/v1/backup/device/" + laptop_id +
                       "/scope?moduleCode=100: HTTP 503",
                   503, 0, true}};
  return seen;
}

TEST(Coverage, APairFailingForTheThirdTimeIsLostOnce) {
  Snapshot before = known_laptop();
  for (int streak : {0, 1}) {
    before.pair_failures[{laptop_id, module_folder}] = streak;
    EXPECT_TRUE(diff(before, folder_fails(), DiffOptions{}).changes.empty()) << streak;
  }
  before.pair_failures[{laptop_id, module_folder}] = 2;
  const DiffResult third = diff(before, folder_fails(), DiffOptions{});
  ASSERT_EQ(third.changes.size(), 1u);
  const Change& lost = third.changes[0];
  EXPECT_EQ(lost.type, ChangeType::coverage_lost);
  EXPECT_EQ(lost.device_id, laptop_id);
  EXPECT_EQ(lost.device_name, "laptop");
  EXPECT_EQ(lost.module_code, module_folder);
  EXPECT_EQ(lost.scope_id, "");
  const auto detail = detail_of(lost);
  EXPECT_EQ(detail.at("target").as_string(), "pair");
  EXPECT_EQ(detail.at("module").as_string(), "folder");
  EXPECT_EQ(detail.at("consecutive_failures").to_number<int>(), 3);
  EXPECT_EQ(detail.at("http_status").to_number<int>(), 503);
  EXPECT_NE(std::string(detail.at("last_error").as_string()).find("moduleCode=100: HTTP 503"),
            std::string::npos);

  // The fourth failure says nothing more.
  before.pair_failures[{laptop_id, module_folder}] = 3;
  EXPECT_TRUE(diff(before, folder_fails(), DiffOptions{}).changes.empty());
}

TEST(Coverage, TheFirstSuccessAfterLossIsRestored) {
  Snapshot before = known_laptop();
  before.pair_failures[{laptop_id, module_folder}] = 7;
  const DiffResult result = diff(before, laptop_unchanged(), DiffOptions{});
  ASSERT_EQ(result.changes.size(), 1u);
  const Change& restored = result.changes[0];
  EXPECT_EQ(restored.type, ChangeType::coverage_restored);
  EXPECT_EQ(restored.device_id, laptop_id);
  EXPECT_EQ(restored.module_code, module_folder);
  const auto detail = detail_of(restored);
  EXPECT_EQ(detail.at("failed_attempts").to_number<int>(), 7);

  // A success after a short streak (never lost) is not news.
  before.pair_failures[{laptop_id, module_folder}] = 2;
  EXPECT_TRUE(diff(before, laptop_unchanged(), DiffOptions{}).changes.empty());
}

TEST(Coverage, TheDeviceListLostAndRestored) {
  Snapshot before = known_laptop();
  before.device_list_failures = 2;
  const DiffResult lost = diff(before, device_list_failed(), DiffOptions{});
  EXPECT_TRUE(lost.device_writes.empty());
  EXPECT_TRUE(lost.scope_writes.empty());
  ASSERT_EQ(lost.changes.size(), 1u);
  EXPECT_EQ(lost.changes[0].type, ChangeType::coverage_lost);
  EXPECT_EQ(lost.changes[0].device_id, "");
  EXPECT_FALSE(lost.changes[0].module_code);
  const auto detail = detail_of(lost.changes[0]);
  EXPECT_EQ(detail.at("target").as_string(), "device_list");
  EXPECT_EQ(detail.at("consecutive_failures").to_number<int>(), 3);

  before.device_list_failures = 1;
  EXPECT_TRUE(diff(before, device_list_failed(), DiffOptions{}).changes.empty());

  before.device_list_failures = 3;
  const DiffResult restored = diff(before, laptop_unchanged(), DiffOptions{});
  ASSERT_EQ(of_type(restored, ChangeType::coverage_restored).size(), 1u);
  EXPECT_EQ(restored.changes[0].device_id, "");
}

TEST(Coverage, AfterFailuresOneLosesOnTheFirstFailure) {
  DiffOptions options;
  options.coverage.after_failures = 1;
  const DiffResult result = diff(known_laptop(), folder_fails(), options);
  EXPECT_EQ(of_type(result, ChangeType::coverage_lost).size(), 1u);
}

TEST(Coverage, EventsComeAfterTheChangesDeviceListFirstThenByPair) {
  Snapshot before = known_laptop();
  before.device_list_failures = 5;
  before.pair_failures[{laptop_id, module_album}] = 2;
  Observation seen = laptop_unchanged();
  seen.scope_fetches[0] = ScopeFetch{PairKey{laptop_id, module_folder}, std::vector<Scope>{scope("a")}};
  seen.scope_fetches[1] =
      ScopeFetch{PairKey{laptop_id, module_album}, FetchFailure{"album: timeout", 0, 0, true}};
  const DiffResult result = diff(before, seen, DiffOptions{});
  ASSERT_EQ(result.changes.size(), 3u);
  EXPECT_EQ(result.changes[0].type, ChangeType::scope_removed);
  EXPECT_EQ(result.changes[1].type, ChangeType::coverage_restored);
  EXPECT_EQ(result.changes[1].device_id, "");
  EXPECT_EQ(result.changes[2].type, ChangeType::coverage_lost);
  EXPECT_EQ(result.changes[2].module_code, module_album);
}

TEST(Coverage, FetchesOfUnlistedDevicesAreIgnored) {
  Snapshot before = known_laptop();
  before.pair_failures[{"999", module_folder}] = 2;
  Observation seen = laptop_unchanged();
  failed(seen, "999", module_folder);
  EXPECT_TRUE(diff(before, seen, DiffOptions{}).changes.empty());
}

}  // namespace
}  // namespace kda
