#include "util/line_log.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.hpp"

using namespace cua;

namespace {

int lines_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    ++n;
  return n;
}

} // namespace

TEST(line_log, appends_whole_lines_and_keeps_what_was_there) {
  test::temp_dir dir("cua-line-log");
  auto path = dir.path / "log";
  {
    line_log log(path.string(), 0);
    ASSERT_TRUE(log.open()) << log.error();
    EXPECT_TRUE(log.append("one"));
  }
  line_log again(path.string(), 0);
  EXPECT_TRUE(again.append("two"));
  EXPECT_EQ(test::read_whole_file(path), "one\ntwo\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u); // an audit is for its owner only
}

TEST(line_log, rotates_by_size_and_keeps_a_bounded_number_of_files) {
  test::temp_dir dir("cua-line-log");
  auto path = dir.path / "log";
  line_log log(path.string(), 100, 3);
  std::string line(39, 'x'); // 40 bytes a line: two fit in 100
  for (int i = 0; i < 11; ++i)
    ASSERT_TRUE(log.append(line));
  EXPECT_EQ(lines_in(path), 1);
  EXPECT_EQ(lines_in(path.string() + ".1"), 2);
  EXPECT_EQ(lines_in(path.string() + ".2"), 2);
  EXPECT_EQ(lines_in(path.string() + ".3"), 2);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".4"));
}

TEST(line_log, a_file_that_cannot_be_made_says_why) {
  line_log log("/nonexistent-dir/log", 0);
  EXPECT_FALSE(log.open());
  EXPECT_NE(log.error().find("/nonexistent-dir/log"), std::string::npos);
  EXPECT_FALSE(log.append("x"));
}
