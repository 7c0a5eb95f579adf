#include "util/prometheus_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cua {

namespace {

// Label values escape backslash, double quote and line feed; HELP text backslash and line feed.
std::string escaped(const std::string& text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '\\')
      out += "\\\\";
    else if (ch == '\n')
      out += "\\n";
    else if (ch == '"' && quotes)
      out += "\\\"";
    else
      out += ch;
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", value);
    return buf;
  }
  // The shortest form that reads back as the same number (0.1, not 0.10000000000000001).
  char buf[32];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, value);
    if (std::strtod(buf, nullptr) == value)
      break;
  }
  return buf;
}

} // namespace

const std::vector<double>& latency_histogram::default_bounds() {
  static const std::vector<double> bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                          2.5,   5,    10,    30,   60,  120,  300, 600};
  return bounds;
}

latency_histogram::latency_histogram(const std::vector<double>& bounds)
  : bounds_(bounds), counts_(bounds.size() + 1, 0) {
  std::sort(bounds_.begin(), bounds_.end());
}

void latency_histogram::observe(double seconds) {
  auto at = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  ++counts_[static_cast<size_t>(at)];
  ++count_;
  sum_ += seconds;
}

std::vector<uint64_t> latency_histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i)
    out[i] = running += counts_[i];
  return out;
}

const char* prometheus_text::content_type() {
  return "text/plain; version=0.0.4; charset=utf-8";
}

void prometheus_text::gauge(const std::string& name, const std::string& help, double value,
                            const metric_labels& labels) {
  sample(family(name, help, "gauge"), name, labels, value);
}

void prometheus_text::counter(const std::string& name, const std::string& help, double value,
                              const metric_labels& labels) {
  sample(family(name, help, "counter"), name, labels, value);
}

void prometheus_text::histogram(const std::string& name, const std::string& help,
                                const latency_histogram& h, const metric_labels& labels) {
  auto& out = family(name, help, "histogram");
  auto with_le = labels;
  with_le.emplace_back("le", "");
  auto counts = h.cumulative();
  for (size_t i = 0; i < counts.size(); ++i) {
    with_le.back().second = number(h.bounds()[i]);
    sample(out, name + "_bucket", with_le, static_cast<double>(counts[i]));
  }
  with_le.back().second = "+Inf";
  sample(out, name + "_bucket", with_le, static_cast<double>(h.count()));
  sample(out, name + "_sum", labels, h.sum());
  sample(out, name + "_count", labels, static_cast<double>(h.count()));
}

std::string prometheus_text::str() const {
  std::string out;
  for (const auto& f : families_)
    out += f.text;
  return out;
}

std::string& prometheus_text::family(const std::string& name, const std::string& help,
                                     const char* type) {
  for (auto& f : families_)
    if (f.name == name)
      return f.text;
  families_.push_back({name, "# HELP " + name + " " + escaped(help, false) + "\n# TYPE " + name
                               + " " + type + "\n"});
  return families_.back().text;
}

void prometheus_text::sample(std::string& out, const std::string& name,
                             const metric_labels& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0)
        out += ',';
      out += labels[i].first + "=\"" + escaped(labels[i].second, true) + "\"";
    }
    out += '}';
  }
  out += ' ' + number(value) + '\n';
}

} // namespace cua
