#include "transport/mcp_protocol.hpp"

#include <gtest/gtest.h>

using namespace cua;

TEST(mcp_protocol, echoes_supported_versions_and_answers_others_with_the_newest) {
  for (const auto& v : mcp::supported_versions())
    EXPECT_EQ(mcp::negotiate_version(v), v);
  EXPECT_EQ(mcp::negotiate_version("2099-01-01"), "2025-11-25");
  EXPECT_EQ(mcp::negotiate_version("2024-10-07"), "2025-11-25");
}

TEST(mcp_protocol, strips_fields_older_versions_lack) {
  nlohmann::json tool{{"name", "t"},         {"title", "T"}, {"description", "d"},
                      {"inputSchema", {}},   {"outputSchema", {{"type", "object"}}},
                      {"annotations", {}}};
  auto newest = mcp::tool_for_version(tool, "2025-11-25");
  EXPECT_TRUE(newest.contains("outputSchema"));
  auto march = mcp::tool_for_version(tool, "2025-03-26");
  EXPECT_FALSE(march.contains("outputSchema"));
  EXPECT_TRUE(march.contains("annotations"));
  auto oldest = mcp::tool_for_version(tool, "2024-11-05");
  EXPECT_FALSE(oldest.contains("annotations"));
  nlohmann::json result{{"content", nlohmann::json::array()}, {"structuredContent", {{"a", 1}}}};
  EXPECT_TRUE(mcp::call_result_for_version(result, "2025-06-18").contains("structuredContent"));
  EXPECT_FALSE(mcp::call_result_for_version(result, "2025-03-26").contains("structuredContent"));
}

TEST(mcp_protocol, parses_log_levels_in_order) {
  EXPECT_EQ(mcp::parse_log_level("debug"), mcp::log_level::debug);
  EXPECT_EQ(mcp::parse_log_level("emergency"), mcp::log_level::emergency);
  EXPECT_FALSE(mcp::parse_log_level("verbose"));
  EXPECT_LT(*mcp::parse_log_level("info"), *mcp::parse_log_level("warning"));
  EXPECT_STREQ(mcp::to_string(mcp::log_level::notice), "notice");
}

TEST(mcp_protocol, initialize_result_names_the_server_and_its_capabilities) {
  auto result = mcp::initialize_result("2025-06-18");
  EXPECT_EQ(result["protocolVersion"], "2025-06-18");
  EXPECT_EQ(result["serverInfo"]["name"], "cua-mcp-server");
  EXPECT_TRUE(result["capabilities"].contains("tools"));
  EXPECT_TRUE(result["capabilities"].contains("logging"));
}
