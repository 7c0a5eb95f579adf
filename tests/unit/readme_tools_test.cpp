// The README's tool table is what users read before they call a tool: it must name every argument
// each tool takes, as the tools' own schemas say.

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tools/tool_registry.hpp"

using namespace cua;

namespace {

// Returns the README's row of the tools table for `tool` ("| `name` | ... |"), or "".
std::string row_of(const std::string& readme, const std::string& tool) {
  auto start = readme.find("\n| `" + tool + "` |");
  if (start == std::string::npos)
    return {};
  auto end = readme.find('\n', start + 1);
  return readme.substr(start + 1, end - start - 1);
}

} // namespace

TEST(readme_tools, the_table_names_every_argument_of_every_tool) {
  std::ifstream file(CUA_SOURCE_DIR "/README.md");
  ASSERT_TRUE(file) << "README.md not found";
  std::stringstream text;
  text << file.rdbuf();
  auto readme = text.str();
  for (const auto& tool : tool_table().all()) {
    auto row = row_of(readme, tool.name);
    ASSERT_FALSE(row.empty()) << tool.name << " has no row in the README's tool table";
    // The arguments are the row's second column.
    auto first = row.find(" | ");
    auto second = row.find(" | ", first + 3);
    auto arguments = row.substr(first + 3, second - first - 3);
    auto properties = tool.input_schema.value("properties", nlohmann::json::object());
    for (const auto& [name, schema] : properties.items())
      EXPECT_NE(arguments.find("`" + name), std::string::npos)
        << tool.name << ": the README does not name its argument " << name;
  }
}
