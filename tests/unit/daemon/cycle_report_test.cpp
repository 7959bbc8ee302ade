// What a whole poll cycle reports: cycle_outcome, cycle_summary and poll_exit_code.
#include "daemon/poll_cycle.hpp"

#include <gtest/gtest.h>

namespace kda::daemon {
namespace {

PollReport report(std::string outcome, std::size_t events = 0, std::uint64_t failed_requests = 0,
                  std::string error = "", std::string account_id = "1505084218764547200") {
  PollReport r;
  r.account_id = std::move(account_id);
  r.outcome = std::move(outcome);
  r.changes.resize(events);
  r.stats.requests = failed_requests + 10;
  r.stats.failures = failed_requests;
  r.error = std::move(error);
  return r;
}

const PollReport ok = report("ok");
const PollReport partial = report("partial");
const PollReport cancelled = report("cancelled");
const PollReport failed = report("failed");

TEST(CycleOutcome, NoAccountsOrAllOkIsOk) {
  EXPECT_EQ(cycle_outcome({}), "ok");
  EXPECT_EQ(cycle_outcome({ok}), "ok");
  EXPECT_EQ(cycle_outcome({ok, ok}), "ok");
}

TEST(CycleOutcome, TheWorstOutcomeWinsWhateverTheOrder) {
  EXPECT_EQ(cycle_outcome({ok, partial}), "partial");
  EXPECT_EQ(cycle_outcome({partial, ok}), "partial");
  EXPECT_EQ(cycle_outcome({partial, cancelled, ok}), "cancelled");
  EXPECT_EQ(cycle_outcome({cancelled, partial}), "cancelled");
  EXPECT_EQ(cycle_outcome({cancelled, failed, partial}), "failed");
  EXPECT_EQ(cycle_outcome({failed, cancelled}), "failed");
  EXPECT_EQ(cycle_outcome({ok, partial, failed}), "failed");
}

TEST(CycleSummary, CountsAreSingularForOne) {
  EXPECT_EQ(cycle_summary({report("partial", 1, 1, "GET /device: timeout", "1505")}),
            "partial: 1 account, 1 event, 1 failed request (account 1505: GET /device: timeout)");
}

TEST(CycleSummary, CountsArePluralForZeroAndForMany) {
  EXPECT_EQ(cycle_summary({}), "ok: 0 accounts, 0 events, 0 failed requests");
  EXPECT_EQ(cycle_summary({report("ok", 2, 0), report("ok", 1, 0)}),
            "ok: 2 accounts, 3 events, 0 failed requests");
  EXPECT_EQ(cycle_summary({report("ok", 0, 0), report("ok", 0, 0)}),
            "ok: 2 accounts, 0 events, 0 failed requests");
}

TEST(CycleSummary, SumsOverAccountsAndNamesTheFirstError) {
  const std::vector<PollReport> reports = {
      report("ok", 2, 0, "", "1111"),
      report("partial", 1, 2, "GET /device/7/scope?moduleCode=101: timeout", "2222"),
      report("failed", 0, 1, "device list: GET /device: HTTP 503", "3333"),
  };
  EXPECT_EQ(cycle_summary(reports),
            "failed: 3 accounts, 3 events, 3 failed requests "
            "(account 2222: GET /device/7/scope?moduleCode=101: timeout)");
}

TEST(CycleSummary, NoErrorNamesNoAccount) {
  EXPECT_EQ(cycle_summary({report("ok", 4, 0, "", "1111")}),
            "ok: 1 account, 4 events, 0 failed requests");
}

TEST(CycleSummary, ACancelledCycleSaysSo) {
  EXPECT_EQ(cycle_summary({report("ok", 1, 0, "", "1111"), report("cancelled", 0, 0, "", "2222")}),
            "cancelled: 2 accounts, 1 event, 0 failed requests");
}

TEST(PollExitCode, OkIsZeroPartialIsTwoFailedIsOne) {
  EXPECT_EQ(poll_exit_code({}), 0);
  EXPECT_EQ(poll_exit_code({ok}), 0);
  EXPECT_EQ(poll_exit_code({partial}), 2);
  EXPECT_EQ(poll_exit_code({failed}), 1);
}

TEST(PollExitCode, CancelledIsOne) {
  EXPECT_EQ(poll_exit_code({cancelled}), 1);
  EXPECT_EQ(poll_exit_code({ok, cancelled}), 1);
  EXPECT_EQ(poll_exit_code({cancelled, partial}), 1);
  EXPECT_EQ(poll_exit_code({partial, cancelled}), 1);
}

TEST(PollExitCode, TheWorstAccountDecidesWhateverTheOrder) {
  EXPECT_EQ(poll_exit_code({partial, ok}), 2);
  EXPECT_EQ(poll_exit_code({ok, partial, ok}), 2);
  EXPECT_EQ(poll_exit_code({failed, partial}), 1);
  EXPECT_EQ(poll_exit_code({partial, failed}), 1);
}

}  // namespace
}  // namespace kda::daemon
