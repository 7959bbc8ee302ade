#pragma once
// Time limits for the speed tests: the promise in a normal build, ten times that under the
// sanitizers (which slow everything down several times).
#include <chrono>

namespace kda::sim::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr int sanitizer_slowdown = 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr int sanitizer_slowdown = 10;
#else
inline constexpr int sanitizer_slowdown = 1;
#endif
#else
inline constexpr int sanitizer_slowdown = 1;
#endif

inline constexpr std::chrono::milliseconds time_budget(std::chrono::milliseconds normal) {
  return normal * sanitizer_slowdown;
}

}  // namespace kda::sim::test
