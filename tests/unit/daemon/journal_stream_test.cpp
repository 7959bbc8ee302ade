// journal_stream_matches (pure) and stderr_is_journal against this process's own stderr.
#include "daemon/logging.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <optional>
#include <string>

namespace kda::daemon {
namespace {

TEST(JournalStreamMatches, TheSameDeviceAndInodeMatch) {
  EXPECT_TRUE(journal_stream_matches("8:12345", 8, 12345));
  EXPECT_TRUE(journal_stream_matches("0:0", 0, 0));
}

TEST(JournalStreamMatches, TheLargestValuesMatchWithoutOverflow) {
  EXPECT_TRUE(journal_stream_matches("18446744073709551615:18446744073709551615", ULLONG_MAX,
                                     ULLONG_MAX));
}

TEST(JournalStreamMatches, AnotherDeviceOrInodeDoesNotMatch) {
  EXPECT_FALSE(journal_stream_matches("8:12345", 9, 12345));
  EXPECT_FALSE(journal_stream_matches("8:12345", 8, 12346));
  EXPECT_FALSE(journal_stream_matches("12345:8", 8, 12345));  // swapped
}

TEST(JournalStreamMatches, NoVariableDoesNotMatch) {
  EXPECT_FALSE(journal_stream_matches(std::nullopt, 0, 0));
  EXPECT_FALSE(journal_stream_matches(std::nullopt, 8, 12345));
}

TEST(JournalStreamMatches, MalformedValuesDoNotMatch) {
  for (const char* malformed :
       {"", ":", "8", "8:", ":12345", "8;12345", "8:12345:0", "8:12345 ", " 8:12345", "+8:12345",
        "-8:12345", "0x8:12345", "8:abc", "8.0:12345", "18446744073709551616:12345"}) {
    EXPECT_FALSE(journal_stream_matches(std::string_view(malformed), 8, 12345))
        << "JOURNAL_STREAM=\"" << malformed << "\"";
  }
  // An overflowing number must not wrap around to a matching value.
  EXPECT_FALSE(journal_stream_matches("18446744073709551616:0", 0, 0));
}

// Sets JOURNAL_STREAM for one test and restores the environment afterwards.
class JournalStreamVariable : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* value = std::getenv("JOURNAL_STREAM")) saved_ = value;
  }
  void TearDown() override {
    if (saved_) {
      ::setenv("JOURNAL_STREAM", saved_->c_str(), 1);
    } else {
      ::unsetenv("JOURNAL_STREAM");
    }
  }
  static std::string stderr_identity() {
    struct stat status {};
    if (::fstat(2, &status) != 0) ADD_FAILURE() << "fstat(2) failed";
    return std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
  }

 private:
  std::optional<std::string> saved_;
};

TEST_F(JournalStreamVariable, StderrIsTheJournalWhenTheVariableNamesIt) {
  ::setenv("JOURNAL_STREAM", stderr_identity().c_str(), 1);
  EXPECT_TRUE(stderr_is_journal());
}

TEST_F(JournalStreamVariable, StderrIsNotTheJournalWhenTheVariableNamesAnotherFile) {
  struct stat status {};
  ASSERT_EQ(::fstat(2, &status), 0);
  const std::string other =
      std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino + 1);
  ::setenv("JOURNAL_STREAM", other.c_str(), 1);
  EXPECT_FALSE(stderr_is_journal());
}

TEST_F(JournalStreamVariable, StderrIsNotTheJournalWithoutTheVariable) {
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(stderr_is_journal());
}

}  // namespace
}  // namespace kda::daemon
