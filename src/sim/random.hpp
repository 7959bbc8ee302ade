#pragma once
// The simulator's only source of randomness: SplitMix64, written out so that a seed gives the
// same IDs, names and fault decisions on every platform and standard library (the std::
// distributions are implementation-defined).
#include <cstdint>

namespace kda::sim {

// Advances `state` and returns the next 64-bit value.
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A value uniform in [0, 1) from the top 53 bits of `bits`.
inline double unit_interval(std::uint64_t bits) noexcept {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace kda::sim
