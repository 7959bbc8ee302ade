#pragma once
// Request counters of the KooDrive endpoints (the control API is not counted), as
// GET /_sim/counters shows them:
//   {"total":N,"in_flight":N,"peak_in_flight":N,
//    "by_endpoint":{"devices":{"200":N,"400":N,…},"scopes":{…},"other":{…}}}
// An outcome is the HTTP status answered ("200", "503"), or the fault that kept a full answer
// from the client: "truncated", "drop", "hang".
// Not thread-safe; the Simulator serialises access.
#include "sim/faults.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace kda::sim {

class Counters {
 public:
  // A request was read: counts it and makes it in flight.
  void started() noexcept;
  // Its answer was written, or its connection closed.
  void finished() noexcept;
  void record(Endpoint endpoint, std::string_view outcome);

  // Zeroes everything but in_flight (requests still open); the peak restarts from in_flight.
  void reset() noexcept;

  std::uint64_t total() const noexcept { return total_; }
  std::uint64_t in_flight() const noexcept { return in_flight_; }
  std::uint64_t peak_in_flight() const noexcept { return peak_; }
  std::uint64_t count(Endpoint endpoint, std::string_view outcome) const;

  boost::json::object to_json() const;

 private:
  std::uint64_t total_ = 0;
  std::uint64_t in_flight_ = 0;
  std::uint64_t peak_ = 0;
  std::array<std::map<std::string, std::uint64_t, std::less<>>, 3> by_endpoint_;
};

}  // namespace kda::sim
