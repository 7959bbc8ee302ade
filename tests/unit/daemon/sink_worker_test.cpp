// SinkWorker on a real io_context and a real Store (a temporary SQLite file), with fake sinks.
// The io_context is driven one handler at a time until a condition holds or a deadline passes;
// a "nothing happens" check uses io_context::poll, which runs every handler that is ready.
#include "daemon/sink_worker.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_sink.hpp"

namespace kda::daemon {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using test::FakeSink;
using test::Gate;
using test::SinkRecord;

constexpr milliseconds deadline{10'000};  // a hung test fails instead of hanging
const SinkBackoff tiny_backoff{milliseconds(1), milliseconds(5)};

struct TemporaryDirectory {
  TemporaryDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kda-sink-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

Store open_migrated(const std::filesystem::path& path) {
  Store store = Store::open(path);
  store.migrate();
  return store;
}

Device device(const std::string& id) {
  return Device{id, "mc-" + id, "laptop-" + id, "Windows 11", "2025-01-02 03:04:05"};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class SinkWorkerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& gate : gates_) gate.open();
    for (auto& worker : workers_) worker->stop();
    io_.restart();
    io_.run_for(deadline);
    EXPECT_TRUE(io_.stopped()) << "a worker was still running after stop()";
  }

  SinkRecord& new_record() { return records_.emplace_back(); }
  Gate& new_gate() { return gates_.emplace_back(io_.get_executor()); }

  std::shared_ptr<SinkWorker> start_worker(std::unique_ptr<Sink> sink,
                                           std::set<std::string> types = {},
                                           SinkBackoff backoff = tiny_backoff) {
    auto worker = std::make_shared<SinkWorker>(io_.get_executor(), store_, clock_, std::move(sink),
                                               std::move(types), backoff, [] { return 0.99; });
    worker->start();
    workers_.push_back(worker);
    return worker;
  }

  // One poll that adds these devices: one device.added event each, in this order.
  std::vector<std::string> commit_added(std::initializer_list<const char*> device_ids) {
    PollCommit poll = next_poll();
    for (const char* id : device_ids) {
      const Device added = device(id);
      poll.device_writes.push_back({RowWrite::seen, added, 0});
      poll.changes.push_back(Change{ChangeType::device_added,
                                    added.device_id,
                                    added.device_name,
                                    std::nullopt,
                                    "",
                                    {},
                                    added,
                                    ""});
    }
    return store_.commit_poll(poll).event_ids;
  }

  // One poll that removes a device added before: one device.removed event.
  std::vector<std::string> commit_removed(const char* device_id) {
    PollCommit poll = next_poll();
    const Device removed = device(device_id);
    poll.device_writes.push_back({RowWrite::removed, removed, 3});
    poll.changes.push_back(Change{ChangeType::device_removed,
                                  removed.device_id,
                                  removed.device_name,
                                  std::nullopt,
                                  "",
                                  removed,
                                  {},
                                  ""});
    return store_.commit_poll(poll).event_ids;
  }

  bool cursor_caught_up(const std::string& sink) {
    return store_.sink_cursor(sink) == store_.last_seq();
  }

  // Runs handlers one at a time until `done` holds; false when the deadline passed first.
  bool run_until(const std::function<bool()>& done) {
    const auto give_up_at = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= give_up_at) return false;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(milliseconds(10));
    }
    return true;
  }

  // Runs every handler that is ready now, without waiting for timers.
  void run_ready_handlers() {
    if (io_.stopped()) io_.restart();
    io_.poll();
  }

  TemporaryDirectory dir_;
  Store store_ = open_migrated(dir_.path / "audit.db");
  ManualClock clock_{SystemTime{} + std::chrono::hours(24 * 365 * 57)};
  asio::io_context io_;
  std::deque<Gate> gates_;
  std::deque<SinkRecord> records_;
  std::vector<std::shared_ptr<SinkWorker>> workers_;

 private:
  PollCommit next_poll() {
    clock_.advance(std::chrono::minutes(5));
    PollCommit poll;
    poll.account_id = "1505084218764547200";
    poll.started_at = clock_.now() - std::chrono::seconds(2);
    poll.finished_at = clock_.now();
    poll.outcome = "ok";
    poll.requests = 2;
    return poll;
  }
};

TEST_F(SinkWorkerTest, AStartedWorkerDrainsWhatIsPendingAtOnceAndAdvancesTheCursor) {
  const auto first_poll = commit_added({"d1", "d2"});
  const auto events = concat(first_poll, commit_added({"d3"}));
  SinkRecord& record = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("jsonl-main", record));

  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));
  EXPECT_EQ(record.delivered, events);
  EXPECT_EQ(store_.sink_cursor("jsonl-main"), 3);
  EXPECT_TRUE(worker->running());
  EXPECT_EQ(worker->name(), "jsonl-main");
  EXPECT_EQ(worker->consecutive_failures(), 0);
  EXPECT_FALSE(worker->last_error().has_value());
}

TEST_F(SinkWorkerTest, AnIdleWorkerDeliversNewCommitsWhenWoken) {
  SinkRecord& record = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("jsonl-main", record));
  run_ready_handlers();  // the first drain finds nothing
  EXPECT_TRUE(record.attempts.empty());

  const auto first = commit_added({"d1", "d2"});
  run_ready_handlers();
  EXPECT_TRUE(record.attempts.empty()) << "it sleeps until woken";

  worker->wake();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));
  EXPECT_EQ(record.delivered, first);

  const auto second = commit_added({"d3"});
  worker->wake();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));
  EXPECT_EQ(record.delivered, concat(first, second)) << "acknowledged events are not redelivered";
  EXPECT_EQ(record.attempts.size(), 2u);
}

TEST_F(SinkWorkerTest, AFailingSinkGetsTheSameEventsInOrderUntilItRecovers) {
  const auto first_poll = commit_added({"d1", "d2"});
  const auto events = concat(first_poll, commit_added({"d3"}));
  SinkRecord& record = new_record();
  record.failing = true;
  const auto worker = start_worker(std::make_unique<FakeSink>("webhook", record));

  ASSERT_TRUE(run_until([&] { return record.attempts.size() >= 3; }));
  for (const auto& attempt : record.attempts) EXPECT_EQ(attempt, events);
  EXPECT_EQ(store_.sink_cursor("webhook"), 0) << "no success, no cursor";
  EXPECT_EQ(worker->consecutive_failures(), static_cast<int>(record.attempts.size()));
  ASSERT_TRUE(worker->last_error().has_value());
  EXPECT_NE(worker->last_error()->message().find("connection refused"), std::string::npos)
      << worker->last_error()->message();
  EXPECT_TRUE(worker->running());

  record.failing = false;
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("webhook"); }));
  EXPECT_EQ(record.delivered, events);
  EXPECT_EQ(record.attempts.back(), events);
  EXPECT_EQ(worker->consecutive_failures(), 0);
  EXPECT_FALSE(worker->last_error().has_value());
}

TEST_F(SinkWorkerTest, WhileLaterEventsFailTheCursorStaysAtTheLastAcknowledgedOne) {
  const auto first = commit_added({"d1", "d2"});
  SinkRecord& record = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("webhook", record));
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("webhook"); }));
  const std::int64_t acknowledged = store_.sink_cursor("webhook");

  record.failing = true;
  const auto second = commit_added({"d3", "d4"});
  worker->wake();
  ASSERT_TRUE(run_until([&] { return worker->consecutive_failures() >= 2; }));
  EXPECT_EQ(store_.sink_cursor("webhook"), acknowledged);
  EXPECT_EQ(record.attempts.back(), second) << "the retry starts from the cursor";

  record.failing = false;
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("webhook"); }));
  EXPECT_EQ(record.delivered, concat(first, second));
}

TEST_F(SinkWorkerTest, WakeDoesNotCutARunningBackoffShortButStopDoes) {
  const SinkBackoff ten_minutes{std::chrono::minutes(10), std::chrono::minutes(10)};
  commit_added({"d1"});
  SinkRecord& record = new_record();
  record.failing = true;
  const auto worker = start_worker(std::make_unique<FakeSink>("webhook", record), {}, ten_minutes);
  ASSERT_TRUE(run_until([&] { return worker->consecutive_failures() == 1; }));

  record.failing = false;
  commit_added({"d2"});
  worker->wake();
  run_ready_handlers();
  EXPECT_EQ(record.attempts.size(), 1u) << "woken during a backoff, it waits for the backoff";

  worker->stop();
  io_.restart();
  io_.run_for(deadline);
  EXPECT_TRUE(io_.stopped()) << "stop() must end the backoff and the loop";
  EXPECT_FALSE(worker->running());
  EXPECT_EQ(record.attempts.size(), 1u);
}

TEST_F(SinkWorkerTest, ReplaceContinuesFromTheCursorWithTheNewSink) {
  const auto first = commit_added({"d1", "d2"});
  SinkRecord& before = new_record();
  SinkRecord& after = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("jsonl-main", before));
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));

  worker->replace(std::make_unique<FakeSink>("jsonl-main", after), {});
  run_ready_handlers();
  EXPECT_TRUE(after.attempts.empty()) << "acknowledged events must not be redelivered";

  const auto second = commit_added({"d3"});
  worker->wake();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));
  EXPECT_EQ(after.delivered, second);
  EXPECT_EQ(before.delivered, first);
  EXPECT_EQ(before.attempts.size(), 1u) << "the old sink is no longer used";
}

TEST_F(SinkWorkerTest, ReplaceAppliesTheNewEventTypes) {
  const auto added = commit_added({"d1"});
  SinkRecord& before = new_record();
  SinkRecord& after = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("alerts", before));
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("alerts"); }));

  worker->replace(std::make_unique<FakeSink>("alerts", after), {"device.removed"});
  const auto removed = commit_removed("d1");
  const auto added_again = commit_added({"d2"});
  worker->wake();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("alerts"); }));
  EXPECT_EQ(after.delivered, removed) << "only the types it takes; the cursor passes the rest";
  EXPECT_EQ(before.delivered, added);
}

TEST_F(SinkWorkerTest, ReplaceDuringADeliveryLetsTheOldSinkFinishItsBatchFirst) {
  const auto events = commit_added({"d1", "d2"});
  Gate& gate = new_gate();
  SinkRecord& before = new_record();
  SinkRecord& after = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("jsonl-main", before, &gate));
  ASSERT_TRUE(run_until([&] { return gate.waiting() == 1; }));

  worker->replace(std::make_unique<FakeSink>("jsonl-main", after), {});
  gate.open();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));
  run_ready_handlers();
  EXPECT_EQ(before.delivered, events);
  EXPECT_TRUE(after.attempts.empty()) << "the batch the old sink acknowledged is not redelivered";

  const auto later = commit_added({"d3"});
  worker->wake();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));
  EXPECT_EQ(after.delivered, later);
  EXPECT_EQ(before.attempts.size(), 1u);
}

TEST_F(SinkWorkerTest, StopEndsTheLoopAndIoContextRunReturns) {
  commit_added({"d1"});
  SinkRecord& record = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("jsonl-main", record));
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("jsonl-main"); }));
  EXPECT_TRUE(worker->running());

  worker->stop();
  io_.restart();
  io_.run_for(deadline);
  EXPECT_TRUE(io_.stopped()) << "io_context::run would not have returned";
  EXPECT_FALSE(worker->running());
}

TEST_F(SinkWorkerTest, StopDuringADeliveryEndsTheLoopAfterIt) {
  const auto events = commit_added({"d1", "d2"});
  Gate& gate = new_gate();
  SinkRecord& record = new_record();
  const auto worker = start_worker(std::make_unique<FakeSink>("webhook", record, &gate));
  ASSERT_TRUE(run_until([&] { return gate.waiting() == 1; }));

  worker->stop();
  run_ready_handlers();
  EXPECT_EQ(record.cancels, 1) << "stop() asks the sink to cut its delivery short";
  EXPECT_TRUE(worker->running()) << "the delivery in progress is not abandoned";

  gate.open();
  io_.restart();
  io_.run_for(deadline);
  EXPECT_TRUE(io_.stopped());
  EXPECT_FALSE(worker->running());
  EXPECT_EQ(record.delivered, events);
  EXPECT_TRUE(cursor_caught_up("webhook")) << "the finished delivery was acknowledged";
}

TEST_F(SinkWorkerTest, ASlowSinkDoesNotHoldUpAnotherWorkerOnTheSameIoContext) {
  const auto first = commit_added({"d1", "d2"});
  Gate& stuck = new_gate();
  SinkRecord& slow = new_record();
  SinkRecord& fast = new_record();
  const auto slow_worker = start_worker(std::make_unique<FakeSink>("slow-hook", slow, &stuck));
  const auto fast_worker = start_worker(std::make_unique<FakeSink>("fast-log", fast));

  ASSERT_TRUE(run_until([&] { return stuck.waiting() == 1 && cursor_caught_up("fast-log"); }));
  EXPECT_EQ(fast.delivered, first);

  const auto second = commit_added({"d3"});
  slow_worker->wake();
  fast_worker->wake();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("fast-log"); }));
  EXPECT_EQ(fast.delivered, concat(first, second));
  EXPECT_EQ(stuck.waiting(), 1) << "the slow sink is still in its first delivery";
  EXPECT_TRUE(slow.delivered.empty());
  EXPECT_EQ(store_.sink_cursor("slow-hook"), 0);

  stuck.open();
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("slow-hook"); }));
  EXPECT_EQ(slow.delivered, concat(first, second));
  ASSERT_EQ(slow.attempts.size(), 2u);
  EXPECT_EQ(slow.attempts[0], first);
  EXPECT_EQ(slow.attempts[1], second);
}

Error http_error(int status, std::optional<milliseconds> retry_after = std::nullopt) {
  Error error = make_error(errc::http_status, "POST http://127.0.0.1:9/hook", "receiver said no");
  error.http_status = status;
  error.retry_after = retry_after;
  return error;
}

TEST_F(SinkWorkerTest, GoneDisablesTheSinkAndRecordsWhyForStatus) {
  commit_added({"d1"});
  SinkRecord& record = new_record();
  record.failing = true;
  record.error = http_error(410);
  const auto worker = start_worker(std::make_unique<FakeSink>("pager", record));
  ASSERT_TRUE(run_until([&] { return !worker->running(); }));
  EXPECT_TRUE(worker->disabled());
  EXPECT_EQ(record.attempts.size(), 1u) << "no retry after 410";
  EXPECT_EQ(store_.sink_cursor("pager"), 0);
  const SinkHealth health = store_.sink_health("pager");
  EXPECT_TRUE(health.disabled_at.has_value());
  EXPECT_EQ(health.failures, 1);
  EXPECT_NE(health.last_error.find("HTTP 410"), std::string::npos) << health.last_error;
  EXPECT_FALSE(health.next_attempt_at.has_value());
}

TEST_F(SinkWorkerTest, ANewWorkerForADisabledSinkClearsItsHealthAndDelivers) {
  const auto events = commit_added({"d1"});
  SinkHealth disabled;
  disabled.failures = 1;
  disabled.disabled_at = clock_.now();
  disabled.last_error = "HTTP 410";
  store_.set_sink_health("pager", disabled, clock_.now());
  SinkRecord& record = new_record();
  start_worker(std::make_unique<FakeSink>("pager", record));
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("pager"); }));
  EXPECT_EQ(record.delivered, events);
  EXPECT_EQ(store_.sink_health("pager"), SinkHealth{});
}

TEST_F(SinkWorkerTest, HealthIsRecordedWhileFailingAndClearedOnRecovery) {
  commit_added({"d1"});
  SinkRecord& record = new_record();
  record.failing = true;
  record.error = http_error(503);
  start_worker(std::make_unique<FakeSink>("pager", record));
  ASSERT_TRUE(run_until([&] { return store_.sink_health("pager").failures >= 2; }));
  const SinkHealth failing = store_.sink_health("pager");
  EXPECT_EQ(failing.failing_since, clock_.now());
  EXPECT_TRUE(failing.next_attempt_at.has_value());
  EXPECT_NE(failing.last_error.find("HTTP 503"), std::string::npos) << failing.last_error;
  EXPECT_FALSE(failing.disabled_at.has_value());

  record.failing = false;
  ASSERT_TRUE(run_until([&] { return cursor_caught_up("pager"); }));
  EXPECT_EQ(store_.sink_health("pager"), SinkHealth{});
}

TEST(PlanRetry, GoneDisables) {
  EXPECT_TRUE(plan_retry(http_error(410), tiny_backoff, 0, 0.5).disable);
}

TEST(PlanRetry, ARefusedRequestIsRetriedAtTheSlowestRate) {
  const SinkBackoff backoff{milliseconds(1'000), milliseconds(300'000)};
  for (int status : {400, 401, 403, 404, 422}) {
    const RetryPlan plan = plan_retry(http_error(status), backoff, 0, 0.0);
    EXPECT_FALSE(plan.disable) << status;
    EXPECT_EQ(plan.delay, milliseconds(300'000)) << status;
  }
}

TEST(PlanRetry, TransientFailuresBackOffWithJitterAndHonourRetryAfterUpToTheCap) {
  const SinkBackoff backoff{milliseconds(1'000), milliseconds(60'000)};
  for (int status : {408, 429, 500, 503}) {
    EXPECT_EQ(plan_retry(http_error(status), backoff, 2, 0.5).delay, milliseconds(2'000)) << status;
  }
  // Retry-After raises the delay above the jittered one, but never past max_backoff.
  EXPECT_EQ(plan_retry(http_error(429, milliseconds(5'000)), backoff, 0, 0.0).delay,
            milliseconds(5'000));
  EXPECT_EQ(plan_retry(http_error(503, milliseconds(600'000)), backoff, 0, 0.0).delay,
            milliseconds(60'000));
  Error timeout = make_error(errc::timeout, "POST http://127.0.0.1:9/hook");
  EXPECT_LE(plan_retry(timeout, backoff, 3, 0.99).delay, milliseconds(8'000));
}

}  // namespace
}  // namespace kda::daemon
