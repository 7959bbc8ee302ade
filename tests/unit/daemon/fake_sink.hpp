#pragma once
// Test doubles for the sink worker tests: a Sink that records what it was handed and can be
// made to fail or to hold a delivery until the test releases it.
// Single-threaded, like the daemon: use from the io_context's thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "koodrive_audit/sinks.hpp"

namespace kda::test {

namespace asio = boost::asio;

// What a fake sink was handed; owned by the test so that it outlives the worker's sink.
struct SinkRecord {
  std::vector<std::vector<std::string>> attempts;  // the event_ids of every deliver() call
  std::vector<std::string> delivered;              // the event_ids it acknowledged
  bool failing = false;                            // deliver() reports an error while set
  std::optional<Error> error;                      // reported instead when failing and set
  int cancels = 0;                                 // Sink::cancel() calls
};

// Holds deliveries until the test opens it: a timer that never expires by itself.
class Gate {
 public:
  explicit Gate(const asio::any_io_executor& executor)
      : timer_(executor, std::chrono::steady_clock::time_point::max()) {}

  asio::awaitable<void> pass() {
    if (open_) co_return;
    ++waiting_;
    boost::system::error_code ignored;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    --waiting_;
  }
  void open() {
    open_ = true;
    timer_.cancel();
  }
  int waiting() const { return waiting_; }

 private:
  asio::steady_timer timer_;
  bool open_ = false;
  int waiting_ = 0;
};

class FakeSink final : public Sink {
 public:
  FakeSink(std::string name, SinkRecord& record, Gate* gate = nullptr)
      : name_(std::move(name)), record_(record), gate_(gate) {}

  const std::string& name() const noexcept override { return name_; }
  void cancel() override { ++record_.cancels; }

  asio::awaitable<Result<void>> deliver(const std::vector<StoredEvent>& events) override {
    std::vector<std::string> ids;
    for (const StoredEvent& event : events) ids.push_back(event.event_id);
    record_.attempts.push_back(ids);
    if (gate_ != nullptr) co_await gate_->pass();
    if (record_.failing && record_.error) co_return *record_.error;
    if (record_.failing) {
      co_return make_error(errc::connection_failed, "POST https://hooks.example/audit",
                           "connection refused");
    }
    record_.delivered.insert(record_.delivered.end(), ids.begin(), ids.end());
    co_return Result<void>{};
  }

 private:
  std::string name_;
  SinkRecord& record_;
  Gate* gate_;
};

}  // namespace kda::test
