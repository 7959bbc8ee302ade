#include "sim/counters.hpp"

#include <algorithm>

namespace kda::sim {

namespace {

std::size_t slot(Endpoint endpoint) noexcept { return static_cast<std::size_t>(endpoint); }

}  // namespace

void Counters::started() noexcept {
  ++total_;
  ++in_flight_;
  peak_ = std::max(peak_, in_flight_);
}

void Counters::finished() noexcept {
  if (in_flight_ > 0) --in_flight_;
}

void Counters::record(Endpoint endpoint, std::string_view outcome) {
  auto& counts = by_endpoint_[slot(endpoint)];
  const auto it = counts.find(outcome);
  if (it != counts.end()) ++it->second;
  else counts.emplace(std::string(outcome), 1);
}

void Counters::reset() noexcept {
  total_ = 0;
  peak_ = in_flight_;
  for (auto& counts : by_endpoint_) counts.clear();
}

std::uint64_t Counters::count(Endpoint endpoint, std::string_view outcome) const {
  const auto& counts = by_endpoint_[slot(endpoint)];
  const auto it = counts.find(outcome);
  return it == counts.end() ? 0 : it->second;
}

boost::json::object Counters::to_json() const {
  boost::json::object by_endpoint;
  for (auto endpoint : {Endpoint::devices, Endpoint::scopes, Endpoint::other}) {
    boost::json::object counts;
    for (const auto& [outcome, n] : by_endpoint_[slot(endpoint)]) counts.emplace(outcome, n);
    by_endpoint.emplace(to_string(endpoint), std::move(counts));
  }
  boost::json::object out;
  out.emplace("total", total_);
  out.emplace("in_flight", in_flight_);
  out.emplace("peak_in_flight", peak_);
  out.emplace("by_endpoint", std::move(by_endpoint));
  return out;
}

}  // namespace kda::sim
