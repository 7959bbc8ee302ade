// The CI versions of issue #6's fault soak and crash soak: the same scenarios as scripts/soak
// (koodrive-soak), with smaller numbers so each stays well under two minutes on two cores.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>

#include "crash_soak.hpp"
#include "fault_soak.hpp"

namespace kda::test::soak {
namespace {

TEST(Soak, FaultsOnEveryRequestKindLeaveExactlyTheRealChanges) {
  FaultSoakOptions options;
  options.polls = 60;
  options.fault_fraction = 0.30;
  options.changes = 24;
  options.seed = 7;
  const FaultSoakReport report = run_fault_soak(options);
  std::cout << describe(report);
  EXPECT_TRUE(report.ok()) << describe(report);
  EXPECT_EQ(report.polls, 60);
  EXPECT_GT(report.poll_outcomes.count("partial") + report.poll_outcomes.count("failed"), 0u)
      << "the faults never made a poll fail: the soak proves nothing";
  // The device list is one request a poll, so in this short run a rare kind may miss it; each
  // kind must have fired on some endpoint.
  std::map<std::string, std::uint64_t> by_kind;
  for (const auto& [label, fired] : report.faults) by_kind[label.substr(label.find(' ') + 1)] += fired;
  EXPECT_EQ(by_kind.size(), 11u);
  for (const auto& [kind, fired] : by_kind) EXPECT_GT(fired, 0u) << kind << " never fired";
}

TEST(Soak, SigkillAtRandomMomentsLosesAndDuplicatesNothing) {
  CrashSoakOptions options;
  options.kills = 12;
  options.seed = 7;
  const CrashSoakReport report = run_crash_soak(options);
  std::cout << describe(report);
  EXPECT_TRUE(report.ok()) << describe(report);
  EXPECT_EQ(report.kills, 12);
  EXPECT_GT(report.kills_in_a_poll_with_changes, 0) << "no kill hit a poll with changes in flight";
}

}  // namespace
}  // namespace kda::test::soak
