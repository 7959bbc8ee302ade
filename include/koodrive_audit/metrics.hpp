#pragma once
// In-memory Prometheus metrics: counters, gauges and histograms with fixed buckets, each a
// family of series told apart by label values; and their rendering in the text exposition
// format 0.0.4 (what GET /metrics answers).
//
// Pure: no I/O, no clock, no Asio. Not thread-safe (the daemon uses it from its one thread).
// Ownership: a Registry owns its families; the Family references it hands out stay valid for
// the Registry's life. Broken invariants throw std::logic_error: a name registered twice, a
// label count that does not match the family's label names, a counter decreased, an operation
// of the wrong kind (observe on a counter), buckets not strictly increasing.
//
// Cardinality is the caller's promise: label values must come from bounded sets (account ids,
// outcomes, endpoints, modules), never from device ids or error texts.
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kda::metrics {

enum class Kind { counter, gauge, histogram };

class Family {
 public:
  Family(std::string name, std::string help, Kind kind, std::vector<std::string> label_names,
         std::vector<double> buckets = {});

  // Counter: adds `by` (>= 0). Gauge: adds `by` (any sign).
  void add(const std::vector<std::string>& labels, double by = 1);
  // Gauge only.
  void set(const std::vector<std::string>& labels, double value);
  // Histogram only: counts `value` in every bucket whose upper bound is >= value.
  void observe(const std::vector<std::string>& labels, double value);
  // Drops the series whose label `label_name` has `value` (e.g. an account no longer polled).
  void erase_where(std::string_view label_name, std::string_view value);
  void clear() { series_.clear(); }

  // Reading back, for tests and health checks: the value of a counter or gauge series, or a
  // histogram's count; 0 for a series never touched.
  double value(const std::vector<std::string>& labels) const;

  struct Series {
    double value = 0;                    // counter, gauge
    std::vector<std::uint64_t> buckets;  // histogram: cumulative count per bucket bound
    double sum = 0;
    std::uint64_t count = 0;
  };
  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  Kind kind() const noexcept { return kind_; }
  const std::vector<std::string>& label_names() const noexcept { return label_names_; }
  const std::vector<double>& bucket_bounds() const noexcept { return bounds_; }
  // Sorted by label values, so that the rendering is stable.
  const std::map<std::vector<std::string>, Series>& series() const noexcept { return series_; }

 private:
  Series& at(const std::vector<std::string>& labels);
  void expect(Kind kind, std::string_view operation) const;

  std::string name_;
  std::string help_;
  Kind kind_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  std::map<std::vector<std::string>, Series> series_;
};

class Registry {
 public:
  Family& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family& histogram(std::string name, std::string help, std::vector<std::string> label_names,
                    std::vector<double> buckets);

  // In registration order.
  const std::deque<Family>& families() const noexcept { return families_; }

 private:
  Family& add(Family family);
  std::deque<Family> families_;  // a deque: references stay valid as families are added
};

// The text exposition format 0.0.4: per family `# HELP` and `# TYPE`, then its series
// (histograms as `_bucket{le="…"}` up to `le="+Inf"`, `_sum`, `_count`). A family without
// series shows only its HELP and TYPE lines. Label values are escaped (\\, \", \n).
std::string render(const Registry& registry);

// Exposition number format: integers without a fraction ("3"), others in the shortest form
// that reads back exactly ("0.25"), and "+Inf", "-Inf", "NaN".
std::string format_number(double value);

// The content type of render()'s output.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace kda::metrics
