#include "mcp/argument_schema.hpp"

#include <gtest/gtest.h>

#include "tools/tool_registry.hpp"

using namespace cua;
using nlohmann::json;

namespace {

json schema_of(const std::string& tool) {
  const auto* t = tool_table().find(tool);
  EXPECT_NE(t, nullptr);
  return t ? t->input_schema : json{};
}

} // namespace

TEST(argument_schema, accepts_valid_arguments) {
  EXPECT_FALSE(check_arguments(schema_of("run_cua_task"), {{"task", "open a terminal"}}));
  EXPECT_FALSE(check_arguments(schema_of("run_cua_task"), {{"task", "x"}, {"session_id", "s1"}}));
  EXPECT_FALSE(check_arguments(schema_of("run_multi_cua_tasks"),
                               {{"tasks", {"a", "b"}}, {"concurrent", true}}));
  EXPECT_FALSE(check_arguments(schema_of("get_session_stats"), json::object()));
  EXPECT_FALSE(check_arguments(schema_of("screenshot_cua"), json::object()));
}

TEST(argument_schema, names_what_is_wrong) {
  auto problem = [](const std::string& tool, json args) {
    auto p = check_arguments(schema_of(tool), args);
    EXPECT_TRUE(p) << args.dump();
    return p.value_or("");
  };
  EXPECT_EQ(problem("run_cua_task", json::object()), "missing required argument \"task\"");
  EXPECT_EQ(problem("run_cua_task", {{"task", 5}}), "\"task\" must be a string, not an integer");
  EXPECT_NE(problem("run_cua_task", {{"task", ""}}).find("at least 1"), std::string::npos);
  EXPECT_EQ(problem("run_cua_task", {{"task", "x"}, {"extra", 1}}), "unknown argument \"extra\"");
  EXPECT_NE(problem("run_multi_cua_tasks", {{"tasks", json::array()}}).find("at least 1"),
            std::string::npos);
  EXPECT_EQ(problem("run_multi_cua_tasks", {{"tasks", {"a", 2}}}),
            "\"tasks\"[1] must be a string, not an integer");
  EXPECT_NE(problem("run_multi_cua_tasks", {{"tasks", json(std::vector<std::string>(21, "t"))}})
              .find("at most 20"),
            std::string::npos);
  EXPECT_EQ(problem("run_multi_cua_tasks", {{"tasks", {"a"}}, {"concurrent", "yes"}}),
            "\"concurrent\" must be a boolean, not a string");
  EXPECT_EQ(problem("cleanup_session", json::object()), "missing required argument \"session_id\"");
  EXPECT_EQ(problem("get_session_stats", {{"verbose", true}}), "unknown argument \"verbose\"");
}

TEST(argument_schema, every_tool_has_what_clients_require) {
  for (const auto& tool : tool_table().all()) {
    auto listing = tool.listing();
    EXPECT_FALSE(listing["description"].get<std::string>().empty()) << tool.name;
    EXPECT_EQ(listing["inputSchema"]["type"], "object") << tool.name;
    EXPECT_TRUE(listing.contains("annotations")) << tool.name;
  }
}
