#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

// Reads the Prometheus text exposition format (0.0.4) strictly, for tests: what a scraper would
// reject, and the value of a series.

namespace cua::test {

/// One sample line: its metric name, its labels as written (`a="x",b="y"`) and its value.
struct prometheus_sample {
  std::string name;
  std::string labels;
  double value = 0;
};

/// Returns the samples of `text`, and in `problems` every line a scraper would reject or that
/// breaks the format's rules: a sample before its family's TYPE, a family's samples not together,
/// a series twice, histogram buckets that go down or whose +Inf differs from _count.
inline std::vector<prometheus_sample> read_prometheus(const std::string& text,
                                                      std::vector<std::string>& problems) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample(
    R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)))");
  std::vector<prometheus_sample> out;
  std::map<std::string, std::string> types;
  std::set<std::string> closed_families; // families whose samples have ended
  std::set<std::string> series;
  std::string current_family;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  if (!text.empty() && text.back() != '\n')
    problems.push_back("the text does not end with a line feed");
  while (std::getline(in, line)) {
    ++number;
    std::smatch m;
    auto where = "line " + std::to_string(number) + " \"" + line + "\": ";
    if (std::regex_match(line, m, help))
      continue;
    if (std::regex_match(line, m, type)) {
      if (types.count(m[1]) > 0)
        problems.push_back(where + "a second TYPE for the family");
      types[m[1]] = m[2];
      continue;
    }
    if (!std::regex_match(line, m, sample)) {
      problems.push_back(where + "not a sample, HELP or TYPE line");
      continue;
    }
    prometheus_sample s{m[1], m[3], std::strtod(std::string{m[4]}.c_str(), nullptr)};
    auto family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      auto base = s.name.size() > std::string{suffix}.size()
                    ? s.name.substr(0, s.name.size() - std::string{suffix}.size())
                    : std::string{};
      if (!base.empty() && s.name.compare(base.size(), std::string::npos, suffix) == 0
          && types.count(base) > 0 && types[base] == "histogram")
        family = base;
    }
    if (types.count(family) == 0)
      problems.push_back(where + "a sample before its family's TYPE");
    if (family != current_family) {
      if (closed_families.count(family) > 0)
        problems.push_back(where + "the family's samples are not together");
      if (!current_family.empty())
        closed_families.insert(current_family);
      current_family = family;
    }
    if (!series.insert(s.name + "{" + s.labels + "}").second)
      problems.push_back(where + "the same series twice");
    out.push_back(s);
  }
  // Histograms: per series (labels without le), buckets non-decreasing, +Inf == _count.
  std::map<std::string, std::vector<double>> buckets;
  std::map<std::string, double> counts;
  static const std::regex le(R"x(,?le="([^"]*)")x");
  for (const auto& s : out) {
    auto n = s.name.size();
    if (n > 7 && s.name.compare(n - 7, 7, "_bucket") == 0)
      buckets[s.name.substr(0, n - 7) + "{" + std::regex_replace(s.labels, le, "") + "}"]
        .push_back(s.value);
    else if (n > 6 && s.name.compare(n - 6, 6, "_count") == 0)
      counts[s.name.substr(0, n - 6) + "{" + s.labels + "}"] = s.value;
  }
  for (const auto& [key, values] : buckets) {
    for (size_t i = 1; i < values.size(); ++i)
      if (values[i] < values[i - 1])
        problems.push_back(key + ": buckets go down");
    if (counts.count(key) == 0 || counts[key] != values.back())
      problems.push_back(key + ": the +Inf bucket differs from _count");
  }
  return out;
}

/// Returns the value of the series `name{labels}` (labels exactly as written), if `text` has it.
inline std::optional<double> prometheus_value(const std::string& text, const std::string& name,
                                              const std::string& labels = {}) {
  std::vector<std::string> ignored;
  for (const auto& s : read_prometheus(text, ignored))
    if (s.name == name && s.labels == labels)
      return s.value;
  return std::nullopt;
}

} // namespace cua::test
