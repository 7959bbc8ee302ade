// The text forms of durations, percentages, sizes and listening addresses.
#include "config/units.hpp"

#include <gtest/gtest.h>

namespace kda::config {
namespace {

using namespace std::chrono_literals;

TEST(ConfigUnits, DurationsTakeMsSMHD) {
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("10s"), 10s);
  EXPECT_EQ(parse_duration("5m"), 5min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("400d"), std::chrono::days(400));
  EXPECT_EQ(parse_duration("1h30m"), 90min);
  EXPECT_EQ(parse_duration("0"), 0ms);
  EXPECT_EQ(parse_duration("0s"), 0ms);
  for (const char* bad : {"", "10", "-5s", "5 m", "1.5h", "5min", "s", "10S", "99999999999999999d", "40000d"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(ConfigUnits, DurationsFormatInTheLargestExactUnit) {
  EXPECT_EQ(format_duration(300'000ms), "5m");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(std::chrono::days(400)), "400d");
  EXPECT_EQ(format_duration(0ms), "0s");
  for (const char* text : {"500ms", "10s", "5m", "1h", "400d", "25h"}) {
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
  }
}

TEST(ConfigUnits, PercentagesAreFractions) {
  EXPECT_DOUBLE_EQ(*parse_percent("10%"), 0.10);
  EXPECT_DOUBLE_EQ(*parse_percent("12.5%"), 0.125);
  EXPECT_DOUBLE_EQ(*parse_percent("0%"), 0.0);
  EXPECT_DOUBLE_EQ(*parse_percent("-5%"), -0.05);  // the range check rejects it, naming the range
  for (const char* bad : {"10", "0.1", "%", "10 %", "1e1%", "ten%", ".5%"}) {
    EXPECT_FALSE(parse_percent(bad)) << bad;
  }
  EXPECT_EQ(format_percent(0.1), "10%");
  EXPECT_EQ(format_percent(0.125), "12.5%");
  EXPECT_EQ(format_percent(0.0), "0%");
}

TEST(ConfigUnits, SizesUseBinaryUnits) {
  EXPECT_EQ(parse_bytes("8MiB"), 8U << 20);
  EXPECT_EQ(parse_bytes("8 MiB"), 8U << 20);
  EXPECT_EQ(parse_bytes("512KiB"), 512U << 10);
  EXPECT_EQ(parse_bytes("1GiB"), 1U << 30);
  EXPECT_EQ(parse_bytes("1048576"), 1U << 20);
  for (const char* bad : {"8MB", "8mb", "MiB", "-1", "1.5MiB"}) {
    EXPECT_FALSE(parse_bytes(bad)) << bad;
  }
  EXPECT_EQ(format_bytes(8U << 20), "8MiB");
  EXPECT_EQ(format_bytes(1536), "1536");
  EXPECT_EQ(format_bytes(1024), "1KiB");
}

TEST(ConfigUnits, HostPortAcceptsIPv4NamesAndBracketedIPv6) {
  std::string why;
  EXPECT_EQ(parse_host_port("127.0.0.1:9464", why), (HostPort{"127.0.0.1", 9464}));
  EXPECT_EQ(parse_host_port("[::1]:0", why), (HostPort{"::1", 0}));
  EXPECT_EQ(parse_host_port("[::]:9464", why), (HostPort{"::", 9464}));
  EXPECT_EQ(parse_host_port("localhost:65535", why), (HostPort{"localhost", 65535}));
  EXPECT_EQ((HostPort{"::1", 9464}).to_string(), "[::1]:9464");
  EXPECT_EQ((HostPort{"0.0.0.0", 1}).to_string(), "0.0.0.0:1");

  EXPECT_FALSE(parse_host_port("::1:9464", why));
  EXPECT_EQ(why, "an IPv6 address goes in brackets, as in [::1]:9464");
  EXPECT_FALSE(parse_host_port("127.0.0.1", why));
  EXPECT_EQ(why, "expected host:port such as 127.0.0.1:9464 or [::1]:9464");
  EXPECT_FALSE(parse_host_port("[::1]", why));
  EXPECT_EQ(why, "expected [IPv6]:port such as [::1]:9464");
  EXPECT_FALSE(parse_host_port("[fe80::zz]:1", why));
  EXPECT_EQ(why, "'fe80::zz' is not an IPv6 address");
  EXPECT_FALSE(parse_host_port("300.1.1.1:80", why));
  EXPECT_EQ(why, "'300.1.1.1' is neither an IPv4 address nor a host name");
  EXPECT_FALSE(parse_host_port(":9464", why));
  EXPECT_EQ(why, "the host is missing; write 0.0.0.0 or [::] to listen on every address");
  EXPECT_FALSE(parse_host_port("127.0.0.1:http", why));
  EXPECT_EQ(why, "the port 'http' is not a number");
  EXPECT_FALSE(parse_host_port("127.0.0.1:65536", why));
  EXPECT_EQ(why, "port 65536 is out of range; must be between 0 and 65535");
}

}  // namespace
}  // namespace kda::config
