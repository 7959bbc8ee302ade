#pragma once
// A generated tenant for demos and benchmarks: N devices × 3 modules × M scopes for one user,
// with realistic names and paths. Deterministic: the same seed and the same state before the
// call give the same devices, scopes and IDs. Fast enough for 10,000 devices (90,000 scopes)
// in a few tens of milliseconds.
#include "sim/state.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace kda::sim {

struct PopulationSpec {
  std::string user_id;
  std::size_t devices = 0;
  std::size_t scopes_per_module = 0;
  std::uint64_t seed = 1;
};

// Adds the user when it is new, then the devices and their scopes.
void generate_population(SimState& state, const PopulationSpec& spec);

}  // namespace kda::sim
