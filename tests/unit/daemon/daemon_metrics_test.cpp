// DaemonMetrics: what each hook counts, series that start at 0, gauges that follow the
// configuration, and the health it derives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/daemon_metrics.hpp"

namespace kda::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
const SystemTime wall0 = SystemTime{} + 1'764'921'600s;

const metrics::Family& family(const DaemonMetrics& m, std::string_view name) {
  for (const metrics::Family& f : m.registry().families()) {
    if (f.name() == name) return f;
  }
  throw std::runtime_error("no family " + std::string(name));
}

PollReport report(std::string account, std::string outcome, std::vector<ChangeType> types = {}) {
  PollReport r;
  r.account_id = std::move(account);
  r.outcome = std::move(outcome);
  r.duration = 1500ms;
  for (ChangeType type : types) {
    Change change;
    change.type = type;
    r.changes.push_back(change);
  }
  return r;
}

TEST(DaemonMetrics, PollsEventsAndLastSuccess) {
  DaemonMetrics m(t0, wall0, "1.2.3");
  m.set_scope({"a", "b"}, {100, 101});
  EXPECT_EQ(family(m, "koodrive_audit_polls_total").series().size(), 6u) << "a, b × 3 outcomes at 0";
  m.on_poll(report("a", "ok", {ChangeType::scope_added, ChangeType::scope_added}), wall0 + 10s,
            t0 + 10s);
  m.on_poll(report("b", "failed"), wall0 + 11s, t0 + 11s);
  EXPECT_EQ(family(m, "koodrive_audit_polls_total").value({"a", "ok"}), 1);
  EXPECT_EQ(family(m, "koodrive_audit_polls_total").value({"b", "failed"}), 1);
  EXPECT_EQ(family(m, "koodrive_audit_poll_duration_seconds").value({"a"}), 1);
  EXPECT_EQ(family(m, "koodrive_audit_events_total").value({"scope.added"}), 2);
  EXPECT_EQ(family(m, "koodrive_audit_last_successful_poll_timestamp_seconds").value({"a"}),
            1'764'921'610);
  EXPECT_EQ(family(m, "koodrive_audit_last_successful_poll_timestamp_seconds").series().size(), 1u)
      << "b never succeeded";

  // b has never succeeded: healthy until two intervals (60 s each) after the start.
  EXPECT_TRUE(m.health(60s, t0 + 100s).healthy);
  const HealthVerdict stale = m.health(60s, t0 + 125s);
  ASSERT_FALSE(stale.healthy);
  ASSERT_EQ(stale.reasons.size(), 1u);
  EXPECT_THAT(stale.reasons[0], HasSubstr("account b: no successful poll"));
  const std::string text = m.render(stale);
  EXPECT_THAT(text, HasSubstr("\nkoodrive_audit_healthy 0\n"));
  EXPECT_THAT(text, HasSubstr("\nkoodrive_audit_build_info{version=\"1.2.3\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nkoodrive_audit_start_time_seconds 1764921600\n"));
}

TEST(DaemonMetrics, RequestsByEndpointAndStatus) {
  DaemonMetrics m(t0, wall0, "1");
  m.on_request({"device_list", "200", 20ms});
  m.on_request({"scope_list", "200", 30ms});
  m.on_request({"scope_list", "timeout", 2s});
  EXPECT_EQ(family(m, "koodrive_audit_api_requests_total").value({"scope_list", "timeout"}), 1);
  EXPECT_EQ(family(m, "koodrive_audit_api_request_duration_seconds").value({"scope_list"}), 2);
  EXPECT_DOUBLE_EQ(
      family(m, "koodrive_audit_api_request_duration_seconds").series().at({"scope_list"}).sum,
      2.03);
}

TEST(DaemonMetrics, AFailedCommitIsUnhealthyUntilTheNextCommit) {
  DaemonMetrics m(t0, wall0, "1");
  m.set_scope({"a"}, {100});
  PollReport broken = report("a", "failed");
  broken.error = "database: database is locked";
  broken.database_error = true;
  m.on_poll(broken, wall0 + 1s, t0 + 1s);
  const HealthVerdict verdict = m.health(60s, t0 + 2s);
  ASSERT_FALSE(verdict.healthy);
  EXPECT_THAT(verdict.reasons.back(), HasSubstr("database: database is locked"));
  m.on_poll(report("a", "partial"), wall0 + 61s, t0 + 61s);
  EXPECT_TRUE(m.health(60s, t0 + 62s).healthy);
}

TEST(DaemonMetrics, FailingPairsPerModuleStartAtZeroAndLeaveWithTheirAccount) {
  DaemonMetrics m(t0, wall0, "1");
  m.set_scope({"a", "b"}, {100, 101});
  m.set_failing_pairs("a", {{101, 2}});
  m.set_failing_pairs("b", {});
  const auto& failing = family(m, "koodrive_audit_failing_pairs");
  EXPECT_EQ(failing.value({"a", "100"}), 0);
  EXPECT_EQ(failing.value({"a", "101"}), 2);
  EXPECT_EQ(failing.series().size(), 4u);
  m.set_scope({"b"}, {100, 101});
  EXPECT_EQ(failing.series().size(), 2u);
  EXPECT_THAT(m.render(m.health(60s, t0)), Not(HasSubstr("account=\"a\",module")));
}

TEST(DaemonMetrics, DeliveriesAndBacklog) {
  DaemonMetrics m(t0, wall0, "1");
  m.set_sinks({"log", "pager"});
  m.on_delivery("pager", 3, true);
  m.on_delivery("pager", 0, true);
  m.on_delivery("log", 5, false);
  const auto& deliveries = family(m, "koodrive_audit_sink_deliveries_total");
  EXPECT_EQ(deliveries.value({"pager", "ok"}), 3);
  EXPECT_EQ(deliveries.value({"pager", "failed"}), 2);
  EXPECT_EQ(deliveries.value({"log", "ok"}), 5);
  EXPECT_EQ(deliveries.value({"log", "failed"}), 0);
  EXPECT_EQ(deliveries.series().size(), 4u);
  m.set_backlogs({{"log", 0}, {"pager", 7}});
  m.set_backlogs({{"pager", 4}});
  const auto& backlog = family(m, "koodrive_audit_sink_backlog_events");
  EXPECT_EQ(backlog.series().size(), 1u);
  EXPECT_EQ(backlog.value({"pager"}), 4);
}

TEST(DaemonMetrics, TheClockSkewIsAbsentUntilMeasuredAndFollowsTheLastMeasure) {
  DaemonMetrics m(t0, wall0, "1");
  const auto& skew = family(m, "koodrive_audit_api_clock_skew_seconds");
  EXPECT_TRUE(skew.series().empty());
  m.set_clock_skew(-31s);
  EXPECT_EQ(skew.value({}), -31);
  m.set_clock_skew(0s);
  EXPECT_EQ(skew.value({}), 0);
  // A new client (after a reload) that has had no answer yet: no measure, no sample.
  m.set_clock_skew(std::nullopt);
  EXPECT_TRUE(skew.series().empty());
}

}  // namespace
}  // namespace kda::daemon
