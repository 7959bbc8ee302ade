// The registry's invariants: label counts, kinds, counters that only go up, bucket counting.
#include <gtest/gtest.h>

#include <stdexcept>

#include "koodrive_audit/metrics.hpp"

namespace kda::metrics {
namespace {

TEST(Registry, CountersAddPerLabelSet) {
  Registry registry;
  Family& polls = registry.counter("x_polls_total", "Polls.", {"account", "outcome"});
  polls.add({"a", "ok"});
  polls.add({"a", "ok"}, 2);
  polls.add({"b", "failed"});
  EXPECT_EQ(polls.value({"a", "ok"}), 3);
  EXPECT_EQ(polls.value({"b", "failed"}), 1);
  EXPECT_EQ(polls.value({"b", "ok"}), 0);
  EXPECT_EQ(polls.series().size(), 2u);
}

TEST(Registry, BrokenInvariantsThrow) {
  Registry registry;
  Family& counter = registry.counter("x_total", "X.", {"a"});
  Family& gauge = registry.gauge("x_gauge", "G.");
  EXPECT_THROW(counter.add({"a", "b"}), std::logic_error);  // two values for one label
  EXPECT_THROW(counter.add({"a"}, -1), std::logic_error);   // a counter never goes down
  EXPECT_THROW(counter.set({"a"}, 1), std::logic_error);
  EXPECT_THROW(counter.observe({"a"}, 1), std::logic_error);
  EXPECT_THROW(registry.counter("x_total", "again"), std::logic_error);
  EXPECT_THROW(registry.counter("1x", "bad name"), std::logic_error);
  EXPECT_THROW(registry.counter("y_total", "bad label", {"__a"}), std::logic_error);
  EXPECT_THROW(registry.histogram("h", "no buckets", {}, {}), std::logic_error);
  EXPECT_THROW(registry.histogram("h", "unsorted", {}, {1, 0.5}), std::logic_error);
  EXPECT_THROW(registry.histogram("h", "le is taken", {"le"}, {1}), std::logic_error);
  gauge.set({}, -3);
  gauge.add({}, 1);
  EXPECT_EQ(gauge.value({}), -2);
}

TEST(Registry, HistogramCountsEveryBucketAtOrAboveTheValue) {
  Registry registry;
  Family& latency = registry.histogram("x_seconds", "L.", {}, {0.1, 1, 10});
  latency.observe({}, 0.1);  // le is inclusive
  latency.observe({}, 0.5);
  latency.observe({}, 20);
  const Family::Series& series = latency.series().at({});
  EXPECT_EQ(series.buckets, (std::vector<std::uint64_t>{1, 2, 2}));
  EXPECT_EQ(series.count, 3u);
  EXPECT_DOUBLE_EQ(series.sum, 20.6);
}

TEST(Registry, EraseWhereDropsTheSeriesOfOneLabelValue) {
  Registry registry;
  Family& failing = registry.gauge("x_failing", "F.", {"account", "module"});
  failing.set({"a", "100"}, 1);
  failing.set({"a", "101"}, 0);
  failing.set({"b", "100"}, 2);
  failing.erase_where("account", "a");
  ASSERT_EQ(failing.series().size(), 1u);
  EXPECT_EQ(failing.value({"b", "100"}), 2);
  EXPECT_THROW(failing.erase_where("device", "x"), std::logic_error);
}

}  // namespace
}  // namespace kda::metrics
