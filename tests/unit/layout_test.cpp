#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

// The folders are floors (design.md, "Layout"): a file may include from its own floor and those
// below it, never from above, so that each floor can be read, tested and changed without the ones
// on top of it.

namespace {

const std::map<std::string, int>& floors() {
  static const std::map<std::string, int> order{
    {"util", 0},  {"messages", 1}, {"computers", 2}, {"transport", 3}, {"mcp", 4},
    {"agent", 5}, {"tools", 6},    {"actors", 7},    {"view", 8},    {"app", 9},
  };
  return order;
}

TEST(layout, no_include_points_up_a_floor) {
  namespace fs = std::filesystem;
  const fs::path root{CUA_SOURCE_DIR};
  const std::regex include{R"re(#include "(\w+)/[^"]+")re"};
  std::vector<std::string> upward;
  size_t files = 0;
  for (const auto& [folder, floor] : floors()) {
    ASSERT_TRUE(fs::is_directory(root / folder)) << folder;
    for (const auto& entry : fs::directory_iterator(root / folder)) {
      auto ext = entry.path().extension();
      if (ext != ".hpp" && ext != ".cpp")
        continue;
      ++files;
      std::ifstream in{entry.path()};
      std::string line;
      while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, include))
          continue;
        auto target = floors().find(m[1]);
        if (target != floors().end() && target->second > floor)
          upward.push_back(folder + "/" + entry.path().filename().string() + " -> " + line);
      }
    }
  }
  EXPECT_GT(files, 100u); // the walk found the sources
  EXPECT_TRUE(upward.empty()) << [&] {
    std::string all;
    for (const auto& u : upward)
      all += u + "\n";
    return all;
  }();
}

} // namespace
