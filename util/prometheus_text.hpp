#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cua {

/// Label names and values of one sample, in the order written.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// Counts of observations in buckets of upper bounds, the form of a Prometheus histogram.
class latency_histogram {
public:
  /// The default bounds, in seconds: from a quick call (5 ms) to a long task (10 min).
  static const std::vector<double>& default_bounds();

  explicit latency_histogram(const std::vector<double>& bounds = default_bounds());

  void observe(double seconds);

  const std::vector<double>& bounds() const { return bounds_; }

  /// Returns, per bound, how many observations were at most that bound (cumulative).
  std::vector<uint64_t> cumulative() const;

  uint64_t count() const { return count_; }

  double sum() const { return sum_; }

private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_; // per bucket, not cumulative; the last is above every bound
  uint64_t count_ = 0;
  double sum_ = 0;
};

/// Writes the Prometheus text exposition format (version 0.0.4): each metric family's HELP and
/// TYPE once, then all its samples together, whatever order they were written in; label values
/// escaped.
class prometheus_text {
public:
  /// The Content-Type of the text.
  static const char* content_type();

  void gauge(const std::string& name, const std::string& help, double value,
             const metric_labels& labels = {});

  /// `name` ends in _total, as the format's conventions ask of counters.
  void counter(const std::string& name, const std::string& help, double value,
               const metric_labels& labels = {});

  void histogram(const std::string& name, const std::string& help, const latency_histogram& h,
                 const metric_labels& labels = {});

  /// Returns the text written so far.
  std::string str() const;

private:
  struct family_text {
    std::string name;
    std::string text; // its HELP and TYPE lines, then its samples
  };

  /// Returns the text of family `name`, introduced on first use.
  std::string& family(const std::string& name, const std::string& help, const char* type);

  static void sample(std::string& out, const std::string& name, const metric_labels& labels,
                     double value);

  std::vector<family_text> families_; // in the order first written
};

} // namespace cua
