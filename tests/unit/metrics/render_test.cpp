// The text exposition format, byte for byte.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "koodrive_audit/metrics.hpp"

namespace kda::metrics {
namespace {

TEST(Render, CountersAndGaugesWithHelpTypeAndSortedSeries) {
  Registry registry;
  Family& polls = registry.counter("kda_polls_total", "Polls by outcome.", {"account", "outcome"});
  Family& backlog = registry.gauge("kda_backlog_events", "Events waiting.", {"sink"});
  Family& up = registry.gauge("kda_up", "Always 1.");
  polls.add({"b", "ok"});
  polls.add({"a", "partial"}, 2);
  backlog.set({"log"}, 0);
  up.set({}, 1);
  EXPECT_EQ(render(registry),
            "# HELP kda_polls_total Polls by outcome.\n"
            "# TYPE kda_polls_total counter\n"
            "kda_polls_total{account=\"a\",outcome=\"partial\"} 2\n"
            "kda_polls_total{account=\"b\",outcome=\"ok\"} 1\n"
            "# HELP kda_backlog_events Events waiting.\n"
            "# TYPE kda_backlog_events gauge\n"
            "kda_backlog_events{sink=\"log\"} 0\n"
            "# HELP kda_up Always 1.\n"
            "# TYPE kda_up gauge\n"
            "kda_up 1\n");
}

TEST(Render, HistogramHasCumulativeBucketsInfSumAndCount) {
  Registry registry;
  Family& duration =
      registry.histogram("kda_request_duration_seconds", "Request time.", {"endpoint"}, {0.05, 1});
  duration.observe({"device_list"}, 0.25);
  duration.observe({"device_list"}, 0.5);
  duration.observe({"device_list"}, 3);
  EXPECT_EQ(render(registry),
            "# HELP kda_request_duration_seconds Request time.\n"
            "# TYPE kda_request_duration_seconds histogram\n"
            "kda_request_duration_seconds_bucket{endpoint=\"device_list\",le=\"0.05\"} 0\n"
            "kda_request_duration_seconds_bucket{endpoint=\"device_list\",le=\"1\"} 2\n"
            "kda_request_duration_seconds_bucket{endpoint=\"device_list\",le=\"+Inf\"} 3\n"
            "kda_request_duration_seconds_sum{endpoint=\"device_list\"} 3.75\n"
            "kda_request_duration_seconds_count{endpoint=\"device_list\"} 3\n");
}

TEST(Render, HistogramWithoutLabelsStillNamesLe) {
  Registry registry;
  registry.histogram("kda_seconds", "S.", {}, {1}).observe({}, 0.5);
  EXPECT_EQ(render(registry),
            "# HELP kda_seconds S.\n"
            "# TYPE kda_seconds histogram\n"
            "kda_seconds_bucket{le=\"1\"} 1\n"
            "kda_seconds_bucket{le=\"+Inf\"} 1\n"
            "kda_seconds_sum 0.5\n"
            "kda_seconds_count 1\n");
}

TEST(Render, EscapesLabelValuesAndHelp) {
  Registry registry;
  registry.gauge("kda_g", "A \\ help\nline with \"quotes\".", {"name"})
      .set({"back\\slash \"quoted\"\nnewline"}, 1);
  EXPECT_EQ(render(registry),
            "# HELP kda_g A \\\\ help\\nline with \"quotes\".\n"
            "# TYPE kda_g gauge\n"
            "kda_g{name=\"back\\\\slash \\\"quoted\\\"\\nnewline\"} 1\n");
}

TEST(Render, FamilyWithoutSeriesShowsOnlyHelpAndType) {
  Registry registry;
  registry.counter("kda_events_total", "Events.", {"type"});
  EXPECT_EQ(render(registry), "# HELP kda_events_total Events.\n# TYPE kda_events_total counter\n");
}

TEST(Render, NumberFormat) {
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(-3), "-3");
  EXPECT_EQ(format_number(1764921600), "1764921600");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(2.5), "2.5");
  EXPECT_EQ(format_number(1e300), "1e+300");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_number(std::nan("")), "NaN");
}

}  // namespace
}  // namespace kda::metrics
