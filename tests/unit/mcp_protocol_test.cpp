#include "mcp/protocol.hpp"
#include "mcp/resource_requests.hpp"
#include "mcp/task_view.hpp"

#include <map>

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
  auto result = mcp::initialize_result("2025-06-18", false);
  EXPECT_EQ(result["protocolVersion"], "2025-06-18");
  EXPECT_EQ(result["serverInfo"]["name"], "cua-mcp-server");
  EXPECT_TRUE(result["capabilities"].contains("tools"));
  EXPECT_TRUE(result["capabilities"].contains("logging"));
}

// --- The stateless revision (2026-07-28) ---

namespace {

using nlohmann::json;

json modern_meta(const std::string& version = "2026-07-28") {
  return {{mcp::meta_key::protocol_version, version},
          {mcp::meta_key::client_capabilities, json::object()}};
}

json modern_call(const std::string& tool, json arguments) {
  return {{"jsonrpc", "2.0"},
          {"id", 7},
          {"method", "tools/call"},
          {"params", {{"name", tool}, {"arguments", arguments}, {"_meta", modern_meta()}}}};
}

mcp::header_lookup headers(std::map<std::string, std::string> sent) {
  return [sent](const std::string& name) -> std::optional<std::string> {
    if (auto i = sent.find(name); i != sent.end())
      return i->second;
    return std::nullopt;
  };
}

const json session_schema{
  {"type", "object"},
  {"properties", {{"session_id", {{"type", "string"}, {"x-mcp-header", "Session-Id"}}}}}};

} // namespace

TEST(mcp_protocol, a_modern_request_is_told_by_its_meta_and_checked_whole) {
  EXPECT_TRUE(mcp::claims_modern({{"_meta", modern_meta()}}));
  EXPECT_FALSE(mcp::claims_modern({{"_meta", {{"progressToken", 1}}}}));
  EXPECT_FALSE(mcp::claims_modern(json::object()));
  EXPECT_FALSE(mcp::check_modern_meta({{"_meta", modern_meta()}}));
  auto no_meta = mcp::check_modern_meta(json::object());
  ASSERT_TRUE(no_meta);
  EXPECT_EQ(no_meta->code, -32602);
  auto no_capabilities = mcp::check_modern_meta(
    {{"_meta", {{mcp::meta_key::protocol_version, "2026-07-28"}}}});
  ASSERT_TRUE(no_capabilities);
  EXPECT_EQ(no_capabilities->code, -32602);
  EXPECT_NE(no_capabilities->message.find("clientCapabilities"), std::string::npos);
  auto old = mcp::check_modern_meta({{"_meta", modern_meta("2025-11-25")}});
  ASSERT_TRUE(old);
  EXPECT_EQ(old->code, -32022);
  EXPECT_EQ(old->data["supported"], json::array({"2026-07-28"}));
  EXPECT_EQ(old->data["requested"], "2025-11-25");
  EXPECT_NE(old->message.find("initialize"), std::string::npos);
}

TEST(mcp_protocol, modern_http_headers_must_mirror_the_body) {
  auto call = modern_call("screenshot_cua", {{"session_id", "Hello"}});
  std::map<std::string, std::string> good{{"MCP-Protocol-Version", "2026-07-28"},
                                          {"Mcp-Method", "tools/call"},
                                          {"Mcp-Name", " screenshot_cua "},
                                          {"Mcp-Param-Session-Id", "=?base64?SGVsbG8=?="}};
  EXPECT_FALSE(mcp::check_modern_headers(call, headers(good), session_schema));
  auto refused = [&](std::map<std::string, std::string> sent) {
    auto problem = mcp::check_modern_headers(call, headers(sent), session_schema);
    return problem && problem->code == -32020;
  };
  auto with = [&](const std::string& name, const std::string& value) {
    auto sent = good;
    sent[name] = value;
    return sent;
  };
  auto without = [&](const std::string& name) {
    auto sent = good;
    sent.erase(name);
    return sent;
  };
  EXPECT_TRUE(refused(with("MCP-Protocol-Version", "2025-11-25")));
  EXPECT_TRUE(refused(without("Mcp-Method")));
  EXPECT_TRUE(refused(with("Mcp-Method", "TOOLS/CALL")));
  EXPECT_TRUE(refused(without("Mcp-Name")));
  EXPECT_TRUE(refused(with("Mcp-Name", "computer")));
  EXPECT_TRUE(refused(without("Mcp-Param-Session-Id")));
  EXPECT_TRUE(refused(with("Mcp-Param-Session-Id", "Goodbye")));
  EXPECT_TRUE(refused(with("Mcp-Param-Session-Id", "=?base64?SGVsbG8?=")));     // bad padding
  EXPECT_TRUE(refused(with("Mcp-Param-Session-Id", "=?base64?SGVs!!!bG8=?="))); // bad character
  EXPECT_FALSE(refused(with("Mcp-Param-Session-Id", "Hello")));                 // literal
  // An argument not sent needs no header; a request other than tools/call needs no Mcp-Name.
  auto bare = modern_call("screenshot_cua", json::object());
  EXPECT_FALSE(mcp::check_modern_headers(bare, headers(without("Mcp-Param-Session-Id")), session_schema));
  json list{{"method", "tools/list"}, {"params", {{"_meta", modern_meta()}}}};
  EXPECT_FALSE(mcp::check_modern_headers(
    list, headers({{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/list"}}), json{}));
  // A body without its version leaves the refusal to the _meta check (-32602).
  json unversioned{{"method", "server/discover"}, {"params", json::object()}};
  EXPECT_FALSE(mcp::check_modern_headers(
    unversioned, headers({{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "server/discover"}}),
    json{}));
}

TEST(mcp_protocol, modern_results_are_complete_with_caching_hints_and_statuses) {
  auto discover = mcp::discover_result(false);
  EXPECT_EQ(discover["resultType"], "complete");
  EXPECT_EQ(discover["supportedVersions"], json::array({"2026-07-28"}));
  EXPECT_TRUE(discover["capabilities"].contains("tools"));
  EXPECT_GE(discover["ttlMs"].get<int64_t>(), 0);
  EXPECT_EQ(discover["cacheScope"], "public");
  EXPECT_EQ(discover["_meta"][mcp::meta_key::server_info]["name"], "cua-mcp-server");
  auto call = mcp::call_result_for_version({{"content", json::array()}}, "2026-07-28");
  EXPECT_EQ(call["resultType"], "complete");
  EXPECT_FALSE(call.contains("ttlMs")); // a call's result is not cached
  EXPECT_EQ(mcp::http_status_for(-32601), 404);
  EXPECT_EQ(mcp::http_status_for(-32020), 400);
  EXPECT_EQ(mcp::http_status_for(-32022), 400);
  EXPECT_EQ(mcp::http_status_for(-32602), 400);
  EXPECT_EQ(mcp::http_status_for(-32603), 200);
  // x-mcp-header is shown to clients of the stateless revision only.
  json tool{{"name", "t"}, {"inputSchema", session_schema}};
  EXPECT_TRUE(mcp::tool_for_version(tool, "2026-07-28")["inputSchema"]["properties"]["session_id"]
                .contains("x-mcp-header"));
  EXPECT_FALSE(mcp::tool_for_version(tool, "2025-11-25")["inputSchema"]["properties"]["session_id"]
                 .contains("x-mcp-header"));
}

TEST(mcp_tasks_wire, a_task_reads_as_each_revision_names_its_fields) {
  mcp::task_view task;
  task.id = "t-1";
  task.status = mcp::task_status::input_required;
  task.created_at = task.updated_at = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
  task.ttl_ms = 60000;
  task.poll_ms = 2000;
  auto legacy = mcp::task_json(task, false);
  EXPECT_EQ(legacy["status"], "input_required");
  EXPECT_EQ(legacy["ttl"], 60000);
  EXPECT_EQ(legacy["pollInterval"], 2000);
  EXPECT_FALSE(legacy.contains("statusMessage"));
  EXPECT_EQ(legacy["createdAt"].get<std::string>().back(), 'Z');
  auto modern = mcp::task_json(task, true);
  EXPECT_EQ(modern["ttlMs"], 60000);
  EXPECT_EQ(modern["pollIntervalMs"], 2000);
  EXPECT_FALSE(modern.contains("ttl"));
  EXPECT_EQ(mcp::create_task_result(task, false)["task"]["taskId"], "t-1");
  auto created = mcp::create_task_result(task, true);
  EXPECT_EQ(created["resultType"], "task");
  EXPECT_EQ(created["taskId"], "t-1");
  EXPECT_TRUE(mcp::is_terminal(mcp::task_status::cancelled));
  EXPECT_FALSE(mcp::is_terminal(mcp::task_status::input_required));
}

TEST(mcp_tasks_wire, task_requests_and_the_extension_are_read_strictly) {
  EXPECT_FALSE(mcp::read_task_request(nlohmann::json::object()).wanted);
  auto plain = mcp::read_task_request({{"task", nlohmann::json::object()}});
  EXPECT_TRUE(plain.wanted);
  EXPECT_EQ(plain.ttl_ms, 0);
  EXPECT_TRUE(plain.problem.empty());
  EXPECT_EQ(mcp::read_task_request({{"task", {{"ttl", 5000}}}}).ttl_ms, 5000);
  EXPECT_FALSE(mcp::read_task_request({{"task", {{"ttl", 0}}}}).problem.empty());
  EXPECT_FALSE(mcp::read_task_request({{"task", {{"ttl", "soon"}}}}).problem.empty());
  EXPECT_FALSE(mcp::read_task_request({{"task", 3}}).problem.empty());
  auto meta = [](nlohmann::json caps) {
    return nlohmann::json{{"_meta", {{"io.modelcontextprotocol/clientCapabilities", caps}}}};
  };
  EXPECT_TRUE(mcp::declares_tasks_extension(
    meta({{"extensions", {{"io.modelcontextprotocol/tasks", nlohmann::json::object()}}}})));
  EXPECT_FALSE(mcp::declares_tasks_extension(meta({{"tasks", nlohmann::json::object()}})));
  EXPECT_FALSE(mcp::declares_tasks_extension(meta(nlohmann::json::object())));
  EXPECT_FALSE(mcp::declares_tasks_extension(nlohmann::json::object()));
}

TEST(mcp_tasks_wire, the_capabilities_declare_tasks_only_where_the_revision_has_them) {
  EXPECT_TRUE(mcp::initialize_result("2025-11-25", true)["capabilities"].contains("tasks"));
  EXPECT_FALSE(mcp::initialize_result("2025-06-18", true)["capabilities"].contains("tasks"));
  EXPECT_FALSE(mcp::initialize_result("2025-11-25", false)["capabilities"].contains("tasks"));
  auto discover = mcp::discover_result(true);
  EXPECT_TRUE(discover["capabilities"]["extensions"].contains("io.modelcontextprotocol/tasks"));
  EXPECT_FALSE(discover["capabilities"].contains("tasks"));
  EXPECT_FALSE(mcp::discover_result(false)["capabilities"].contains("extensions"));
}

TEST(mcp_resources_wire, resource_uris_are_read_exactly) {
  auto screen = mcp::parse_resource_uri("cua://sessions/s-1/screen");
  ASSERT_TRUE(screen);
  EXPECT_EQ(screen->kind, mcp::resource_uri::screen);
  EXPECT_EQ(screen->owner, "s-1");
  EXPECT_EQ(mcp::screen_uri("s-1"), "cua://sessions/s-1/screen");
  auto record = mcp::parse_resource_uri("cua://trajectories/t1");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->kind, mcp::resource_uri::record);
  EXPECT_EQ(mcp::parse_resource_uri("cua://trajectories/t1/steps")->kind, mcp::resource_uri::steps);
  auto picture = mcp::parse_resource_uri("cua://trajectories/t1/screenshots/step-001-1.png");
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->owner, "t1");
  EXPECT_EQ(picture->file, "step-001-1.png");
  for (const char* bad : {"cua://sessions//screen", "cua://sessions/a/b/screen", "cua://trajectories/",
                          "cua://trajectories/t1/steps/x", "cua://other/x", "http://x", ""})
    EXPECT_FALSE(mcp::parse_resource_uri(bad)) << bad;
  EXPECT_EQ(mcp::resource_templates().size(), 4u);
}
