#pragma once
// Speed promises in the simulator's tests are asserted in normal builds only. Under the
// sanitizers the workload still runs (for its memory and UB checks), but its time says nothing:
// an -O0 ASan build on a loaded 2-core CI machine took 12 s for what a normal build does in
// well under one (the same rule as tests/unit/store/baseline_size_test.cpp).

namespace kda::sim::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool speed_is_measured = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool speed_is_measured = false;
#else
inline constexpr bool speed_is_measured = true;
#endif
#else
inline constexpr bool speed_is_measured = true;
#endif

}  // namespace kda::sim::test
