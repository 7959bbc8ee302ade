// `koodrive-audit prune [--dry-run]` as a process, on a history that `poll --once` made against
// koodrive-sim: what database.retention lets go is deleted (or only counted), the history still
// verifies afterwards, and a second run finds nothing more.
#include "sim_history.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class Prune : public SimHistory {
 protected:
  // The history, then a retention of 1 ms, and the wall clock past the last poll's end by more
  // than that: every poll of the history finished before the cutoff of a prune run from now on.
  void history_older_than_retention() {
    history();
    const auto last_poll_done = std::chrono::system_clock::now();
    write_config("retention: 1ms");
    // A known instant, a few milliseconds away: not a wait for something else to happen.
    std::this_thread::sleep_until(last_poll_done + std::chrono::milliseconds(5));
  }
  CommandResult prune(bool dry_run = false) {
    if (dry_run) return run_cli({"prune", "--dry-run", "--config", config()});
    return run_cli({"prune", "--config", config()});
  }
  CommandResult verify() { return run_cli({"verify", "--config", config()}); }
};

TEST_F(Prune, DeletesWhatRetentionLetsGoAndTheHistoryStillVerifies) {
  history_older_than_retention();
  const CommandResult result = prune();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // Events and baselines of all four polls (each delivered to the JSONL sink); the polls but
  // the account's newest ok one; the phone and its scope, removed in poll 3.
  EXPECT_THAT(result.out, MatchesRegex("retention.pruned cutoff=[-0-9T:.]+Z events=5 polls=3 "
                                       "baselines=7 devices=1 scopes=1 through_seq=5 "
                                       "freed_pages=[0-9]+ ms=[0-9]+\n"));
  EXPECT_EQ(result.err, "");

  const CommandResult verified = verify();
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out,
            "verified 0 events and 0 baselines; the replay matches 2 devices and 2 scopes\n");

  const CommandResult again = prune();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr(" events=0 polls=0 baselines=0 devices=0 scopes=0 through_seq=5 "));
}

TEST_F(Prune, ADryRunCountsTheSameAndChangesNothing) {
  history_older_than_retention();
  const CommandResult dry = prune(/*dry_run=*/true);
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, MatchesRegex("retention.would_prune cutoff=[-0-9T:.]+Z events=5 polls=3 "
                                    "baselines=7 devices=1 scopes=1 through_seq=5\n"));
  const CommandResult verified = verify();
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.out,
            "verified 5 events and 7 baselines; the replay matches 2 devices and 2 scopes\n");
}

TEST_F(Prune, AHistoryThatDoesNotVerifyIsNotPruned) {
  history_older_than_retention();
  const std::string command = "sqlite3 " + db().string() +
                              " \"UPDATE events SET after_json = replace(after_json, '/Work', "
                              "'/Tmp') WHERE seq = 1\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const CommandResult result = prune();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, MatchesRegex("retention.failed cutoff=[-0-9T:.]+Z error=\".*seq 1.*\"\n"));
  // Nothing went: the tampered row is still there for verify to name.
  const CommandResult verified = verify();
  EXPECT_EQ(verified.exit_code, 1);
  EXPECT_THAT(verified.out, HasSubstr("seq 1: hash does not match the row's contents"));
}

TEST_F(Prune, RetentionZeroKeepsEverything) {
  history();
  write_config("retention: 0");
  const CommandResult result = prune();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "retention.disabled reason=\"database.retention is 0\"\n");
  EXPECT_THAT(verify().out, HasSubstr("verified 5 events and 7 baselines"));
}

TEST_F(Prune, WithoutADatabaseItSaysSoExits1AndCreatesNone) {
  const CommandResult result = prune();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("prune: no database at"));
  EXPECT_FALSE(fs::exists(db()));
}

}  // namespace
}  // namespace kda::test
