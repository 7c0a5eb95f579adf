// The stateless revision (MCP 2026-07-28) over stdio, beside the 2025 revisions: requests that
// carry their own _meta and need no initialize, sessions as handles the results name, and the
// refusals the revision defines. (Over HTTP: http_transport_test; the conformance suite and the
// SDK v2 client: tests/conformance, tests/interop.)

#include <regex>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

json modern_meta(const std::string& version = "2026-07-28") {
  return {{"io.modelcontextprotocol/protocolVersion", version},
          {"io.modelcontextprotocol/clientInfo", {{"name", "e2e-stateless"}, {"version", "1"}}},
          {"io.modelcontextprotocol/clientCapabilities", json::object()}};
}

/// Sends a request of the stateless revision; returns its whole response.
json modern(server_process& server, const std::string& method, json params = json::object(),
            json meta = modern_meta()) {
  params["_meta"] = std::move(meta);
  auto id = server.start_request(method, params);
  return server.wait_response(id);
}

json modern_call(server_process& server, const std::string& tool, json arguments = json::object()) {
  return modern(server, "tools/call", {{"name", tool}, {"arguments", arguments}});
}

std::vector<std::string> sim_args() {
  return {"--backend", "sim"};
}

} // namespace

TEST(stateless, discover_and_tools_list_need_no_initialize_and_carry_what_the_revision_asks) {
  server_process server(sim_args());
  auto discover = modern(server, "server/discover")["result"];
  EXPECT_EQ(discover["resultType"], "complete");
  EXPECT_EQ(discover["supportedVersions"], json::array({"2026-07-28"}));
  EXPECT_TRUE(discover["capabilities"].contains("tools"));
  EXPECT_EQ(discover["cacheScope"], "public");
  EXPECT_GT(discover["ttlMs"].get<int64_t>(), 0);
  EXPECT_EQ(discover["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "cua-mcp-server");
  auto list = modern(server, "tools/list")["result"];
  EXPECT_EQ(list["resultType"], "complete");
  EXPECT_EQ(list["tools"].size(), 6u);
  EXPECT_TRUE(list.contains("ttlMs"));
  EXPECT_EQ(list["tools"][0]["inputSchema"]["properties"]["session_id"]["x-mcp-header"], "Session-Id");
  // The same connection may still initialize: a 2025 client sees no x-mcp-header.
  server.initialize();
  auto legacy = server.request("tools/list")["result"];
  EXPECT_FALSE(legacy.contains("resultType"));
  EXPECT_FALSE(legacy["tools"][0]["inputSchema"]["properties"]["session_id"].contains("x-mcp-header"));
  // ... and a stateless request after initialize is served statelessly.
  EXPECT_EQ(modern(server, "tools/list")["result"]["resultType"], "complete");
}

TEST(stateless, a_call_without_session_id_starts_a_session_its_result_names) {
  server_process server(sim_args());
  auto first = modern_call(server, "computer", {{"action", "screenshot"}})["result"];
  EXPECT_EQ(first["resultType"], "complete");
  EXPECT_FALSE(first.value("isError", false)) << first.dump();
  std::smatch m;
  auto text = all_text_of(first);
  ASSERT_TRUE(std::regex_search(text, m, std::regex{R"(started session ([0-9a-f-]{36}))"})) << text;
  auto id = m[1].str();
  EXPECT_EQ(first["structuredContent"]["session_id"], id);
  // Passing the id back reaches the same computer; another call without it starts another.
  auto again = modern_call(server, "computer", {{"action", "left_click"}, {"coordinate", {10, 10}},
                                                {"session_id", id}})["result"];
  EXPECT_FALSE(again.value("isError", false)) << again.dump();
  EXPECT_EQ(all_text_of(again).find("started session"), std::string::npos);
  auto other = modern_call(server, "screenshot_cua")["result"];
  EXPECT_NE(all_text_of(other).find("started session"), std::string::npos);
  EXPECT_EQ(all_text_of(other).find(id), std::string::npos);
  auto stats = modern_call(server, "get_session_stats")["result"]["structuredContent"];
  EXPECT_EQ(stats["total_sessions"], 2);
  EXPECT_TRUE(stats["sessions"].contains(id));
  auto cleaned = modern_call(server, "cleanup_session", {{"session_id", id}})["result"];
  EXPECT_FALSE(cleaned.value("isError", false)) << cleaned.dump();
}

TEST(stateless, refusals_carry_the_request_id_and_the_codes_of_the_revision) {
  server_process server(sim_args());
  auto no_meta = server.wait_response(server.start_request("server/discover", json::object()));
  EXPECT_EQ(no_meta["error"]["code"], -32602);
  EXPECT_NE(no_meta["id"], nullptr);
  auto no_caps = modern(server, "tools/list", json::object(),
                        {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}});
  EXPECT_EQ(no_caps["error"]["code"], -32602);
  auto future = modern(server, "tools/list", json::object(), modern_meta("2099-01-01"));
  EXPECT_EQ(future["error"]["code"], -32022);
  EXPECT_EQ(future["error"]["data"]["supported"], json::array({"2026-07-28"}));
  EXPECT_EQ(future["error"]["data"]["requested"], "2099-01-01");
  for (auto removed : {"initialize", "ping", "logging/setLevel", "resources/subscribe", "nope/nope"}) {
    auto answer = modern(server, removed);
    EXPECT_EQ(answer["error"]["code"], -32601) << removed;
    EXPECT_FALSE(answer["id"].is_null()) << removed;
  }
  // Requests of the 2025 revisions without initialize are refused as before.
  EXPECT_EQ(server.request("tools/list")["error"]["code"], -32600);
}

TEST(stateless, the_sampling_provider_says_plainly_that_it_needs_initialize) {
  server_process server({"--backend", "sim", "--model", "sampling"});
  auto result = modern_call(server, "run_cua_task", {{"task", "look"}})["result"];
  EXPECT_TRUE(result.value("isError", false)) << result.dump();
  EXPECT_NE(all_text_of(result).find("initialize"), std::string::npos) << result.dump();
  EXPECT_NE(all_text_of(result).find("2026-07-28"), std::string::npos) << result.dump();
}

// The revision's log channel: records about the call's session, on its own stream, only when the
// request asks for them with its log level.
TEST(stateless, log_records_reach_a_request_that_asks_for_them_and_no_other) {
  auto script = write_replay_script(R"({"text":"Looking around.","actions":[{"action":"screenshot"}]}
{"text":"All done here."}
)");
  server_process server({"--backend", "sim", "--model", "replay:" + script, "--settle-ms", "0"});
  auto quiet = modern_call(server, "run_cua_task", {{"task", "look"}});
  ASSERT_FALSE(quiet["result"].value("isError", false)) << quiet.dump();
  EXPECT_TRUE(server.notifications().empty()) << server.notifications().size();
  auto meta = modern_meta();
  meta["io.modelcontextprotocol/logLevel"] = "info";
  auto told = modern(server, "tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "look"}}}},
                     meta);
  ASSERT_FALSE(told["result"].value("isError", false)) << told.dump();
  bool model_text = false;
  for (const auto& n : server.notifications())
    if (n["method"] == "notifications/message") {
      EXPECT_EQ(n["params"]["level"], "info");
      if (n["params"]["data"].get<std::string>().find("Looking around.") != std::string::npos)
        model_text = true;
    }
  EXPECT_TRUE(model_text) << server.stderr_text();
  // A level the revision does not know is refused.
  meta["io.modelcontextprotocol/logLevel"] = "loud";
  EXPECT_EQ(modern(server, "tools/list", json::object(), meta)["error"]["code"], -32602);
}
