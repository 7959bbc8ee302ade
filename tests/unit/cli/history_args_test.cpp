// cli/history_args.hpp: --since in its three forms, --type against the nine event types, and
// every argument error reported at once.
#include "cli/history_args.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kda::cli {
namespace {

using ::testing::HasSubstr;

const SystemTime now = *parse_iso8601("2026-11-23T12:34:56.789Z");

std::string since(std::string_view text) {
  const ParsedSince parsed = parse_since(text, now);
  return parsed.instant ? format_iso8601(*parsed.instant) : "error: " + parsed.error;
}

TEST(Since, AnInstantWithOrWithoutMilliseconds) {
  EXPECT_EQ(since("2026-11-23T08:00:00Z"), "2026-11-23T08:00:00.000Z");
  EXPECT_EQ(since("2026-11-23T08:00:00.250Z"), "2026-11-23T08:00:00.250Z");
}

TEST(Since, ADateIsMidnightUtc) {
  EXPECT_EQ(since("2026-11-23"), "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(since("2024-02-29"), "2024-02-29T00:00:00.000Z");
}

TEST(Since, AnAgeCountsBackFromNow) {
  EXPECT_EQ(since("90m"), "2026-11-23T11:04:56.789Z");
  EXPECT_EQ(since("24h"), "2026-11-22T12:34:56.789Z");
  EXPECT_EQ(since("7d"), "2026-11-16T12:34:56.789Z");
  EXPECT_EQ(since("30s"), "2026-11-23T12:34:26.789Z");
  EXPECT_EQ(since("0h"), "2026-11-23T12:34:56.789Z");
  EXPECT_EQ(since("36500d"), format_iso8601(now - std::chrono::days(36500)));
}

TEST(Since, AnythingElseIsAnErrorNamingTheTextAndTheAcceptedForms) {
  for (const char* bad :
       {"", "yesterday", "7", "d", "7w", "7D", "-7d", "+7d", "1.5h", "7 d", " 7d",
        "2026-11-23T08:00:00+01:00", "2026-11-23T08:00Z", "2026-11-23 08:00:00", "23.11.2026"}) {
    const ParsedSince parsed = parse_since(bad, now);
    EXPECT_FALSE(parsed.instant) << bad;
    EXPECT_THAT(parsed.error, HasSubstr("'" + std::string(bad) + "'")) << bad;
    EXPECT_THAT(parsed.error, HasSubstr("2026-11-23T08:00:00Z")) << bad;
    EXPECT_THAT(parsed.error, HasSubstr("24h")) << bad;
  }
}

TEST(Since, AnImpossibleDateOrTimeIsAnError) {
  EXPECT_EQ(since("2026-02-30"), "error: '2026-02-30' is not a valid date (YYYY-MM-DD)");
  EXPECT_EQ(since("2026-13-01"), "error: '2026-13-01' is not a valid date (YYYY-MM-DD)");
  EXPECT_THAT(since("2026-11-23T25:00:00Z"), HasSubstr("is not a time"));
}

TEST(Since, AnAgeBeyondTheClocksRangeIsRefusedNotWrappedAround) {
  EXPECT_EQ(since("36501d"), "error: '36501d' is too far back (at most 36500d)");
  EXPECT_EQ(since("3153600001s"), "error: '3153600001s' is too far back (at most 36500d)");
  EXPECT_EQ(since("99999999999999999999999d"),
            "error: '99999999999999999999999d' is too far back (at most 36500d)");
}

TEST(EventType, TheNineTypesAndNothingElse) {
  for (std::string_view type : event_type_names) EXPECT_EQ(event_type_error(type), std::nullopt);
  EXPECT_EQ(event_type_error("scope.deleted"),
            "unknown event type 'scope.deleted'; one of: device.added, device.removed, "
            "device.changed, scope.added, scope.removed, scope.changed, "
            "audit.suspect_mass_removal, coverage.lost, coverage.restored");
  EXPECT_TRUE(event_type_error("Scope.Removed"));
  EXPECT_TRUE(event_type_error(""));
}

TEST(HistoryArgs, ValidOptionsBecomeTheFilter) {
  HistoryOptions options;
  options.since = "2h";
  options.device = "1775406005920779393";
  options.type = "scope.removed";
  const HistoryArgs args = parse_history_args(options, now);
  EXPECT_TRUE(args.errors.empty());
  EXPECT_EQ(args.filter.since, "2026-11-23T10:34:56.789Z");
  EXPECT_EQ(args.filter.device_id, "1775406005920779393");
  EXPECT_EQ(args.filter.type, "scope.removed");
  EXPECT_EQ(args.filter.limit, std::nullopt);

  const HistoryArgs none = parse_history_args(HistoryOptions{}, now);
  EXPECT_TRUE(none.errors.empty());
  EXPECT_FALSE(none.filter.since || none.filter.device_id || none.filter.type);
}

TEST(HistoryArgs, EveryErrorIsReportedAtOnceNamingItsOption) {
  HistoryOptions options;
  options.since = "last week";
  options.device = "";
  options.type = "scope.gone";
  const HistoryArgs args = parse_history_args(options, now);
  ASSERT_EQ(args.errors.size(), 3u);
  EXPECT_THAT(args.errors[0], HasSubstr("--since: 'last week' is not a time"));
  EXPECT_EQ(args.errors[1], "--device: empty; give a device_id");
  EXPECT_THAT(args.errors[2], HasSubstr("--type: unknown event type 'scope.gone'; one of: "));
}

}  // namespace
}  // namespace kda::cli
