#include "transport/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace cua;

namespace {

struct collected {
  std::vector<std::string> lines;
  std::vector<size_t> oversized;
};

line_splitter make(size_t max, collected& out) {
  return line_splitter(
    max, [&](std::string line) { out.lines.push_back(std::move(line)); },
    [&](size_t size) { out.oversized.push_back(size); });
}

} // namespace

TEST(line_splitter, splits_on_newlines_across_chunks) {
  collected out;
  auto s = make(100, out);
  std::string input = "one\ntw";
  s.feed(input.data(), input.size());
  std::string rest = "o\r\nthree\n";
  s.feed(rest.data(), rest.size());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(line_splitter, keeps_a_last_line_without_newline) {
  collected out;
  auto s = make(100, out);
  s.feed("tail", 4);
  EXPECT_TRUE(out.lines.empty());
  s.finish();
  EXPECT_EQ(out.lines, (std::vector<std::string>{"tail"}));
}

TEST(line_splitter, skips_an_oversized_line_and_goes_on) {
  collected out;
  auto s = make(10, out);
  std::string big(25, 'x');
  std::string input = "ok\n" + big.substr(0, 12);
  s.feed(input.data(), input.size());
  std::string rest = big.substr(12) + "\nnext\n";
  s.feed(rest.data(), rest.size());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"ok", "next"}));
  ASSERT_EQ(out.oversized.size(), 1u);
  EXPECT_EQ(out.oversized[0], 25u);
}

TEST(line_splitter, accepts_a_line_of_exactly_the_bound) {
  collected out;
  auto s = make(5, out);
  std::string input = "12345\n123456\n12345\r\n";
  s.feed(input.data(), input.size());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"12345", "12345"}));
  EXPECT_EQ(out.oversized.size(), 1u);
}
