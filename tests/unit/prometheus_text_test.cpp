#include "util/prometheus_text.hpp"

#include <gtest/gtest.h>

#include "tests/support/prometheus_checks.hpp"

using namespace cua;
using namespace cua::test;

TEST(prometheus_text, families_come_once_with_their_samples_together_whatever_the_order) {
  prometheus_text out;
  out.gauge("a_up", "A is up", 1, {{"host", "h1"}});
  out.gauge("b_in_use", "B in use", 3, {{"host", "h1"}});
  out.gauge("a_up", "A is up", 0, {{"host", "h2"}});
  out.counter("c_total", "C", 7);
  auto text = out.str();
  std::vector<std::string> problems;
  read_prometheus(text, problems);
  EXPECT_TRUE(problems.empty()) << text << "\n" << ::testing::PrintToString(problems);
  EXPECT_EQ(text, "# HELP a_up A is up\n# TYPE a_up gauge\na_up{host=\"h1\"} 1\n"
                  "a_up{host=\"h2\"} 0\n# HELP b_in_use B in use\n# TYPE b_in_use gauge\n"
                  "b_in_use{host=\"h1\"} 3\n# HELP c_total C\n# TYPE c_total counter\n"
                  "c_total 7\n");
}

TEST(prometheus_text, label_values_and_help_are_escaped) {
  prometheus_text out;
  out.gauge("x", "one\\two\nthree", 1.5, {{"name", "say \"hi\"\\\n"}});
  auto text = out.str();
  EXPECT_NE(text.find("# HELP x one\\\\two\\nthree\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x{name=\"say \\\"hi\\\"\\\\\\n\"} 1.5\n"), std::string::npos) << text;
  std::vector<std::string> problems;
  read_prometheus(text, problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
}

TEST(prometheus_text, histograms_are_cumulative_and_end_with_inf_sum_and_count) {
  latency_histogram h({0.1, 1, 10});
  for (double s : {0.05, 0.1, 0.5, 2.0, 20.0, 30.0})
    h.observe(s);
  EXPECT_EQ(h.cumulative(), (std::vector<uint64_t>{2, 3, 4}));
  prometheus_text out;
  out.histogram("d_seconds", "D", h, {{"tool", "t"}});
  auto text = out.str();
  std::vector<std::string> problems;
  read_prometheus(text, problems);
  EXPECT_TRUE(problems.empty()) << text << ::testing::PrintToString(problems);
  EXPECT_EQ(prometheus_value(text, "d_seconds_bucket", "tool=\"t\",le=\"0.10000000000000001\""),
            std::nullopt) << "bounds are written short";
  EXPECT_EQ(prometheus_value(text, "d_seconds_bucket", "tool=\"t\",le=\"0.1\""), 2);
  EXPECT_EQ(prometheus_value(text, "d_seconds_bucket", "tool=\"t\",le=\"1\""), 3);
  EXPECT_EQ(prometheus_value(text, "d_seconds_bucket", "tool=\"t\",le=\"10\""), 4);
  EXPECT_EQ(prometheus_value(text, "d_seconds_bucket", "tool=\"t\",le=\"+Inf\""), 6);
  EXPECT_EQ(prometheus_value(text, "d_seconds_count", "tool=\"t\""), 6);
  EXPECT_DOUBLE_EQ(*prometheus_value(text, "d_seconds_sum", "tool=\"t\""), 52.65);
}

TEST(prometheus_text, the_checker_finds_what_a_scraper_would_reject) {
  std::vector<std::string> problems;
  read_prometheus("# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\na{x=\"1\"} 3\n", problems);
  EXPECT_EQ(problems.size(), 1u) << "a's samples are split";
  problems.clear();
  read_prometheus("c 1\n", problems);
  EXPECT_EQ(problems.size(), 1u) << "no TYPE";
  problems.clear();
  read_prometheus("# TYPE a gauge\na one\n", problems);
  EXPECT_EQ(problems.size(), 1u) << "not a number";
}
