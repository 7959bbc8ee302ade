// The daemon's retention job against a real store and a ManualClock: the cutoff comes from the
// injected clock, retention 0 prunes nothing, run() prunes at once and stop() ends it.
#include "api/coroutine_warnings.hpp"

#include "daemon/retention.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace kda::daemon {
namespace {

namespace asio = boost::asio;
using std::chrono::hours;

const SystemTime day0{std::chrono::sys_days{std::chrono::year{2026} / 11 / 1}};

class RetentionJob : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kda-retention-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_.emplace(Store::open(dir_ / "audit.db"));
    store_->migrate();
    // One poll a day for ten days, each with one device.changed event.
    Device device{"d1", "m0", "laptop", "linux", "t"};
    for (int day = 0; day < 10; ++day) {
      PollCommit poll;
      poll.account_id = "acc";
      poll.finished_at = day0 + hours(24 * day);
      poll.started_at = poll.finished_at - std::chrono::seconds(1);
      poll.outcome = "ok";
      Device next = device;
      next.machine_code = "m" + std::to_string(day + 1);
      poll.device_writes = {{RowWrite::seen, next, 0}};
      poll.changes = {Change{day == 0 ? ChangeType::device_added : ChangeType::device_changed,
                             "d1", "laptop", std::nullopt, "",
                             day == 0 ? Record{} : Record{device}, Record{next}, ""}};
      store_->commit_poll(poll);
      device = next;
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::int64_t events() { return static_cast<std::int64_t>(store_->events_after(0, 100).size()); }

  std::optional<PruneReport> prune_once(Retention& retention) {
    auto result = asio::co_spawn(io_, retention.prune_once(), asio::use_future);
    io_.run();
    io_.restart();
    return result.get();
  }

  std::filesystem::path dir_;
  std::optional<Store> store_;
  asio::io_context io_;
  ManualClock clock_{day0 + hours(24 * 12)};
  RetentionPolicy policy_{Duration{hours(24 * 5)}, {}};
};

TEST(RetentionRequest, ZeroMeansKeepForeverAndTheCutoffIsNowMinusRetention) {
  EXPECT_FALSE(prune_request({Duration{0}, {"log"}}, day0));
  const auto request = prune_request({Duration{hours(24)}, {"log"}}, day0);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->cutoff, day0 - hours(24));
  EXPECT_EQ(request->now, day0);
  EXPECT_EQ(request->sinks, std::vector<std::string>{"log"});
}

TEST(RetentionLine, NamesTheCutoffTheCountsAndTheSinkThatHeldEventsBack) {
  const PruneRequest request{day0 - hours(24), day0, {"jsonl"}, false};
  PruneReport report;
  report.events = 12;
  report.baselines = 7;
  report.polls = 3;
  report.devices = 1;
  report.scopes = 2;
  report.through_seq = 40;
  EXPECT_EQ(describe_prune(request, report),
            "cutoff=2026-10-31T00:00:00.000Z events=12 polls=3 baselines=7 devices=1 scopes=2 "
            "through_seq=40");
  report.held_by_sink = "jsonl";
  EXPECT_EQ(describe_prune(request, report),
            "cutoff=2026-10-31T00:00:00.000Z events=12 polls=3 baselines=7 devices=1 scopes=2 "
            "through_seq=40 held_by_sink=jsonl");
}

TEST(RetentionVacuumStep, IsEightMiBWhateverThePageSize) {
  EXPECT_EQ(Retention::vacuum_step_pages(16384), 512);
  EXPECT_EQ(Retention::vacuum_step_pages(4096), 2048);
  EXPECT_EQ(Retention::vacuum_step_pages(65536), 128);
  EXPECT_EQ(Retention::vacuum_step_pages(0), Retention::vacuum_step_bytes);  // never divides by 0
}

TEST_F(RetentionJob, TheCutoffComesFromTheInjectedClock) {
  Retention retention(io_.get_executor(), *store_, clock_, [&] { return policy_; });
  // Day 12 minus 5 days: the polls of days 0-6 finished before day 7.
  const std::optional<PruneReport> report = prune_once(retention);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->events, 7);
  EXPECT_EQ(events(), 3);
  clock_.advance(hours(24));
  EXPECT_EQ(prune_once(retention)->events, 1);
  EXPECT_EQ(events(), 2);
  EXPECT_TRUE(store_->verify().ok());
}

TEST_F(RetentionJob, RetentionZeroPrunesNothing) {
  policy_.retention = Duration{0};
  Retention retention(io_.get_executor(), *store_, clock_, [&] { return policy_; });
  EXPECT_FALSE(prune_once(retention));
  EXPECT_EQ(events(), 10);
}

TEST_F(RetentionJob, AnUndeliveredEventHoldsThePruneBack) {
  policy_.sinks = {"webhook"};
  store_->set_sink_cursor("webhook", 2, clock_.now());
  Retention retention(io_.get_executor(), *store_, clock_, [&] { return policy_; });
  EXPECT_EQ(prune_once(retention)->events, 2);
  EXPECT_EQ(events(), 8);
}

TEST_F(RetentionJob, AFailedPruneIsReportedAndTheJobGoesOn) {
  Retention retention(io_.get_executor(), *store_, clock_, [&] { return policy_; });
  // An event before the cutoff edited behind the store's back: the prune refuses.
  std::system(("sqlite3 " + (dir_ / "audit.db").string() +
               " \"UPDATE events SET cause = 'x' WHERE seq = 2\"")
                  .c_str());
  ASSERT_FALSE(store_->verify().ok()) << "the sqlite3 CLI did not edit the file";
  EXPECT_FALSE(prune_once(retention));
  EXPECT_EQ(events(), 10);
}

TEST_F(RetentionJob, RunPrunesAtOnceThenWaitsForTheNextDayUntilStopped) {
  Retention retention(io_.get_executor(), *store_, clock_, [&] { return policy_; });
  bool finished = false;
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    co_await retention.run();
    finished = true;
  }, asio::detached);
  io_.poll();  // runs until run() waits for the next day
  EXPECT_EQ(events(), 3);
  EXPECT_FALSE(finished);
  retention.stop();
  io_.run();
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace kda::daemon
