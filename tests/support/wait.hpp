#pragma once
// Waiting for a condition in tests without sleep-and-hope: checks `predicate` every `poll`
// until it holds or `deadline` has passed. Returns whether it held.
#include <chrono>
#include <functional>
#include <thread>

namespace kda::test {

inline bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds deadline,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace kda::test
