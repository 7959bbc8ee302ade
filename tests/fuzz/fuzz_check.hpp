#pragma once
// What a fuzz target does when one of its invariants fails: it names the invariant on stderr and
// aborts. libFuzzer reports the abort as a crash and saves the input (scripts/fuzz puts it in
// build-fuzz/artifacts/<target>/); the replay test (replay_main.cpp) fails on the same input.
// A macro, not a function taking std::source_location: clang 14 has no __builtin_source_location.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define KDA_FUZZ_CHECK(condition, what)                                                        \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s [%s]\n", __FILE__, __LINE__, \
                   what, #condition);                                                          \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

namespace kda::fuzz {

// Text that stays one printable line in a log: no control byte (C0, DEL).
inline bool no_control_bytes(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// Printable ASCII only: what decode.hpp's `detail` holds once peer bytes are escaped.
inline bool printable_ascii(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) return false;
  }
  return true;
}

inline bool decimal_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace kda::fuzz
