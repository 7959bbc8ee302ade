#include "koodrive_audit/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kda::metrics {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':';
  });
}

}  // namespace

Family::Family(std::string name, std::string help, Kind kind, std::vector<std::string> label_names,
               std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      kind_(kind),
      label_names_(std::move(label_names)),
      bounds_(std::move(buckets)) {
  if (!valid_name(name_)) throw std::logic_error("metric name '" + name_ + "' is not valid");
  for (const std::string& label : label_names_) {
    // `le` is the histogram's own; a name with `:` or starting with __ is reserved.
    if (!valid_name(label) || label.find(':') != std::string::npos || label.starts_with("__") ||
        (kind_ == Kind::histogram && label == "le")) {
      throw std::logic_error(name_ + ": label name '" + label + "' is not valid");
    }
  }
  if (kind_ == Kind::histogram) {
    if (bounds_.empty()) throw std::logic_error(name_ + ": a histogram needs buckets");
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
        throw std::logic_error(name_ + ": buckets must be finite and strictly increasing");
      }
    }
  } else if (!bounds_.empty()) {
    throw std::logic_error(name_ + ": only a histogram has buckets");
  }
}

void Family::expect(Kind kind, std::string_view operation) const {
  if (kind_ != kind) throw std::logic_error(name_ + ": " + std::string(operation) + " on the wrong kind");
}

Family::Series& Family::at(const std::vector<std::string>& labels) {
  if (labels.size() != label_names_.size()) {
    throw std::logic_error(name_ + ": " + std::to_string(labels.size()) + " label values for " +
                           std::to_string(label_names_.size()) + " label names");
  }
  auto [it, inserted] = series_.try_emplace(labels);
  if (inserted && kind_ == Kind::histogram) it->second.buckets.assign(bounds_.size(), 0);
  return it->second;
}

void Family::add(const std::vector<std::string>& labels, double by) {
  if (kind_ == Kind::histogram) expect(Kind::counter, "add");
  // A counter only goes up; a negative step would read as a reset to Prometheus' rate().
  if (kind_ == Kind::counter && !(by >= 0)) throw std::logic_error(name_ + ": a counter cannot go down");
  at(labels).value += by;
}

void Family::set(const std::vector<std::string>& labels, double value) {
  expect(Kind::gauge, "set");
  at(labels).value = value;
}

void Family::observe(const std::vector<std::string>& labels, double value) {
  expect(Kind::histogram, "observe");
  Series& series = at(labels);
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) ++series.buckets[i];
  }
  series.sum += value;
  ++series.count;
}

void Family::erase_where(std::string_view label_name, std::string_view value) {
  const auto position = std::find(label_names_.begin(), label_names_.end(), label_name);
  if (position == label_names_.end()) throw std::logic_error(name_ + ": no label " + std::string(label_name));
  const auto index = static_cast<std::size_t>(position - label_names_.begin());
  std::erase_if(series_, [&](const auto& entry) { return entry.first[index] == value; });
}

double Family::value(const std::vector<std::string>& labels) const {
  const auto found = series_.find(labels);
  if (found == series_.end()) return 0;
  return kind_ == Kind::histogram ? static_cast<double>(found->second.count) : found->second.value;
}

Family& Registry::add(Family family) {
  for (const Family& existing : families_) {
    if (existing.name() == family.name()) throw std::logic_error(family.name() + " registered twice");
  }
  return families_.emplace_back(std::move(family));
}

Family& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  return add(Family(std::move(name), std::move(help), Kind::counter, std::move(label_names)));
}

Family& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return add(Family(std::move(name), std::move(help), Kind::gauge, std::move(label_names)));
}

Family& Registry::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                            std::vector<double> buckets) {
  return add(Family(std::move(name), std::move(help), Kind::histogram, std::move(label_names),
                    std::move(buckets)));
}

}  // namespace kda::metrics
