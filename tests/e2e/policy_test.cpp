// What an operator lets clients do, through the built binary: --tools, --read-only, --token-file,
// and the audit log of what was done.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/http_server.hpp"
#include "tests/e2e/server_process.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/json_lines.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

std::set<std::string> listed(server_process& server) {
  std::set<std::string> names;
  auto listing = server.request("tools/list");
  for (const auto& tool : listing["result"]["tools"])
    names.insert(tool["name"].get<std::string>());
  return names;
}

} // namespace

TEST(policy, only_the_tools_named_are_listed_and_callable) {
  server_process server({"--backend", "sim", "--tools", "screenshot_cua,get_session_stats"});
  server.initialize();
  EXPECT_EQ(listed(server), (std::set<std::string>{"screenshot_cua", "get_session_stats"}));
  auto shot = server.call_tool("screenshot_cua");
  EXPECT_FALSE(shot.value("isError", false)) << shot.dump();
  // A barred tool is as unknown as one that does not exist.
  auto barred = server.request("tools/call", {{"name", "computer"},
                                              {"arguments", {{"action", "left_click"}, {"coordinate", {1, 1}}}}});
  ASSERT_TRUE(barred.contains("error")) << barred.dump();
  EXPECT_EQ(barred["error"]["code"], -32602);
  EXPECT_NE(barred["error"]["message"].get<std::string>().find("unknown tool"), std::string::npos);
  auto stats = server.call_tool("get_session_stats")["structuredContent"]["rights"];
  EXPECT_EQ(stats["all_tools"], false);
  EXPECT_EQ(stats["tools"], json::array({"get_session_stats", "screenshot_cua"}));
  EXPECT_EQ(stats["label"], "stdio");
}

TEST(policy, a_tool_that_does_not_exist_is_refused_at_start) {
  server_process server({"--backend", "sim", "--tools", "screenshot_cua,format_disk"});
  auto code = server.wait_exit(std::chrono::seconds(5));
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  EXPECT_NE(server.stderr_text().find("no tool \"format_disk\""), std::string::npos)
    << server.stderr_text();
}

TEST(policy, read_only_looks_at_screens_and_refuses_every_action_naming_the_flag) {
  server_process server({"--backend", "sim", "--read-only", "--settle-ms", "0"});
  server.initialize();
  auto names = listed(server);
  EXPECT_EQ(names.count("run_cua_task"), 0u);
  EXPECT_EQ(names.count("run_multi_cua_tasks"), 0u);
  EXPECT_EQ(names.count("computer"), 1u);
  EXPECT_EQ(names.count("screenshot_cua"), 1u);
  EXPECT_FALSE(server.call_tool("screenshot_cua").value("isError", false));
  EXPECT_FALSE(server.call_tool("computer", {{"action", "screenshot"}}).value("isError", false));
  auto where = server.call_tool("computer", {{"action", "cursor_position"}});
  EXPECT_FALSE(where.value("isError", false)) << where.dump();
  EXPECT_FALSE(server.call_tool("get_session_stats").value("isError", false));
  std::vector<json> acting{
    {{"action", "left_click"}, {"coordinate", {5, 5}}},
    {{"action", "right_click"}, {"coordinate", {5, 5}}},
    {{"action", "double_click"}, {"coordinate", {5, 5}}},
    {{"action", "mouse_move"}, {"coordinate", {5, 5}}},
    {{"action", "left_click_drag"}, {"start_coordinate", {1, 1}}, {"coordinate", {5, 5}}},
    {{"action", "scroll"}, {"coordinate", {5, 5}}, {"scroll_direction", "down"}, {"scroll_amount", 1}},
    {{"action", "type"}, {"text", "rm -rf ~"}},
    {{"action", "key"}, {"text", "Return"}},
    {{"action", "hold_key"}, {"text", "shift"}, {"duration", 1}},
    {{"action", "left_mouse_down"}},
    {{"action", "wait"}, {"duration", 1}},
  };
  for (const auto& args : acting) {
    auto refused = server.call_tool("computer", args);
    EXPECT_TRUE(refused.value("isError", false)) << args.dump();
    EXPECT_NE(text_of(refused).find("--read-only"), std::string::npos) << text_of(refused);
  }
  for (const auto& tool : {"run_cua_task", "run_multi_cua_tasks"}) {
    auto refused = server.request("tools/call", {{"name", tool}, {"arguments", {{"task", "x"}}}});
    ASSERT_TRUE(refused.contains("error")) << refused.dump();
    EXPECT_NE(refused["error"]["message"].get<std::string>().find("--read-only"), std::string::npos);
  }
  auto rights = server.call_tool("get_session_stats")["structuredContent"]["rights"];
  EXPECT_EQ(rights["read_only"], true);
  EXPECT_EQ(rights["all_tools"], true);
}

namespace {

std::vector<std::string> agent_actions(const std::vector<json>& records) {
  std::vector<std::string> actions;
  for (const auto& r : records)
    if (r["kind"] == "agent_action")
      actions.push_back(r["action"].get<std::string>());
  return actions;
}

// Over HTTP as the holder of `token`: a new MCP session (its id), then requests on it.
struct token_client {
  int port;
  std::string token;
  std::string id;

  answer post(const json& body, const std::string& session) {
    connection c(port);
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + token}};
    if (!session.empty())
      headers["Mcp-Session-Id"] = session;
    return c.send(http::verb::post, body.dump(), headers);
  }

  void open() {
    auto a = post(initialize_request(), "");
    ASSERT_EQ(a.status, 200) << a.body;
    id = a.headers["mcp-session-id"];
    post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, id);
  }

  json request(const std::string& method, json params = json::object()) {
    auto a = post(rpc(7, method, std::move(params)), id);
    EXPECT_EQ(a.status, 200) << a.body;
    auto body = json::parse(a.body, nullptr, false);
    EXPECT_FALSE(body.is_discarded()) << a.body;
    return body;
  }

  json call(const std::string& tool, json arguments) {
    return request("tools/call", {{"name", tool}, {"arguments", std::move(arguments)}});
  }
};

} // namespace

TEST(policy, each_token_gets_the_rights_of_its_line_and_the_audit_names_its_label) {
  temp_dir dir("cua-policy");
  auto tokens = (dir.path / "tokens").string();
  std::ofstream(tokens) << "# one token per team\n"
                        << "team-a-token-0001 tools=screenshot_cua,get_session_stats name=team-a\n"
                        << "\n"
                        << "team-b-token-0002 read-only max-sessions=1 name=team-b\n";
  auto audit = (dir.path / "audit.jsonl").string();
  http_server server{{"--token-file", tokens, "--audit-log", audit}};
  token_client a{server.port(), "team-a-token-0001", ""};
  token_client b{server.port(), "team-b-token-0002", ""};
  a.open();
  b.open();
  std::set<std::string> a_tools, b_tools;
  auto a_list = a.request("tools/list"); // kept: a loop over a temporary's member would dangle
  auto b_list = b.request("tools/list");
  for (const auto& t : a_list["result"]["tools"])
    a_tools.insert(t["name"].get<std::string>());
  for (const auto& t : b_list["result"]["tools"])
    b_tools.insert(t["name"].get<std::string>());
  EXPECT_EQ(a_tools, (std::set<std::string>{"screenshot_cua", "get_session_stats"}));
  EXPECT_EQ(b_tools.count("computer"), 1u);
  EXPECT_EQ(b_tools.count("run_cua_task"), 0u);
  // Team a: its two tools only.
  EXPECT_EQ(a.call("computer", {{"action", "screenshot"}})["error"]["code"], -32602);
  EXPECT_FALSE(a.call("screenshot_cua", json::object())["result"].value("isError", false));
  EXPECT_EQ(a.call("get_session_stats", json::object())["result"]["structuredContent"]["rights"]["label"],
            "team-a");
  // Team b: looks, does not act, and has one session at most.
  EXPECT_FALSE(b.call("computer", {{"action", "screenshot"}, {"session_id", "s1"}})["result"]
                 .value("isError", false));
  auto acted = b.call("computer", {{"action", "left_click"}, {"coordinate", {3, 3}}, {"session_id", "s1"}});
  EXPECT_TRUE(acted["result"].value("isError", false));
  EXPECT_NE(acted.dump().find("read-only"), std::string::npos) << acted.dump();
  auto second = b.call("computer", {{"action", "screenshot"}, {"session_id", "s2"}});
  EXPECT_TRUE(second["result"].value("isError", false));
  EXPECT_NE(second.dump().find("max-sessions"), std::string::npos) << second.dump();
  auto rights = b.call("get_session_stats", json::object())["result"]["structuredContent"]["rights"];
  EXPECT_EQ(rights["read_only"], true);
  EXPECT_EQ(rights["max_sessions"], 1);
  // One token does not reach the other's MCP session; no token reaches anything.
  token_client intruder{server.port(), "team-b-token-0002", a.id};
  EXPECT_EQ(intruder.post(rpc(1, "tools/list"), a.id).status, 403);
  token_client nobody{server.port(), "team-c-token-0003", ""};
  EXPECT_EQ(nobody.post(initialize_request(), "").status, 401);
  // The audit names each call's client by its label, and holds no token.
  auto text = read_whole_file(audit);
  EXPECT_EQ(text.find("team-a-token"), std::string::npos);
  EXPECT_EQ(text.find("team-b-token"), std::string::npos);
  std::map<std::string, std::set<std::string>> tools_by_label;
  for (const auto& r : json_lines_of(audit))
    if (r["kind"] == "tool_call")
      tools_by_label[r["client"].get<std::string>()].insert(r["tool"].get<std::string>());
  EXPECT_EQ(tools_by_label["team-a"], (std::set<std::string>{"screenshot_cua", "get_session_stats"}));
  EXPECT_EQ(tools_by_label["team-b"], (std::set<std::string>{"computer", "get_session_stats"}));
}

TEST(policy, a_bad_token_file_is_refused_naming_its_line) {
  temp_dir dir("cua-policy");
  auto refused_with = [&](const std::string& content, const std::string& words) {
    auto path = (dir.path / "tokens").string();
    std::ofstream(path) << content;
    server_process server({"--transport", "http", "--listen", "127.0.0.1:0", "--backend", "sim",
                           "--token-file", path});
    auto code = server.wait_exit(std::chrono::seconds(5));
    ASSERT_TRUE(code) << content;
    EXPECT_NE(*code, 0);
    EXPECT_NE(server.stderr_text().find(words), std::string::npos) << server.stderr_text();
  };
  refused_with("tok-1 name=a\ntok-2 colour=blue\n", "line 2: unknown key \"colour\"");
  refused_with("tok-1 max-sessions=none\n", "line 1: bad value in \"max-sessions=none\"");
  refused_with("tok-1 tools=computer,format_disk\n", "line 1: there is no tool \"format_disk\"");
  refused_with("tok-1\n# again\ntok-1 name=b\n", "line 3: this token is given twice");
  refused_with("# nothing\n", "no token in it");
}

TEST(policy, the_audit_holds_every_call_and_every_agent_action_in_order) {
  temp_dir dir("cua-audit");
  auto audit = (dir.path / "audit.jsonl").string();
  auto script = write_replay_script(
    R"({"text":"clicking","actions":[{"action":"left_click","coordinate":[10,20]}]}
{"text":"typing","actions":[{"action":"type","text":"hunter2 typed"},{"action":"key","text":"Return"}]}
{"text":"done"}
)");
  server_process server({"--backend", "sim", "--settle-ms", "0", "--model", "replay:" + script,
                         "--audit-log", audit},
                        {"ANTHROPIC_API_KEY=sk-ant-audit-secret-4711"});
  server.initialize();
  auto result = server.call_tool("run_cua_task", {{"task", "do it"}, {"session_id", "w"}});
  ASSERT_FALSE(result.value("isError", false)) << result.dump();
  server.call_tool("computer", {{"action", "type"}, {"text", "by the client"}, {"session_id", "w"}});
  server.close_stdin();
  ASSERT_TRUE(server.wait_exit(std::chrono::seconds(10)));
  auto records = json_lines_of(audit);
  EXPECT_EQ(agent_actions(records), (std::vector<std::string>{"left_click", "type", "key"}));
  std::vector<std::string> order;
  for (const auto& r : records) {
    EXPECT_EQ(r["client"], "stdio");
    EXPECT_TRUE(r.contains("time") && r.contains("outcome") && r.contains("duration_ms")) << r;
    EXPECT_EQ(r.value("session", ""), "w") << r;
    order.push_back(r["kind"] == "tool_call" ? r["tool"].get<std::string>() : r["action"].get<std::string>());
  }
  // The task's actions come before the call that ran it ends, then the client's own call.
  EXPECT_EQ(order, (std::vector<std::string>{"left_click", "type", "key", "run_cua_task", "computer"}));
  EXPECT_EQ(records[1]["arguments"]["text"], "hunter2 typed");
  EXPECT_EQ(records[3]["outcome"], "ok");
  auto text = read_whole_file(audit);
  EXPECT_EQ(text.find("sk-ant-audit-secret"), std::string::npos);
  EXPECT_EQ(text.find("\"image\""), std::string::npos);
}

TEST(policy, the_audit_can_leave_typed_text_out_and_survives_sigterm_mid_task) {
  temp_dir dir("cua-audit");
  auto audit = (dir.path / "audit.jsonl").string();
  auto script = write_replay_script(
    R"({"text":"typing","actions":[{"action":"type","text":"password123"},{"action":"wait","duration":30}]}
{"text":"never"}
)");
  server_process server({"--backend", "sim", "--settle-ms", "0", "--model", "replay:" + script,
                         "--audit-log", audit, "--audit-redact-text"});
  server.initialize();
  server.start_request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "x"}}}});
  for (int i = 0; i < 100 && read_whole_file(audit).find("\"type\"") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(server.pid(), SIGTERM);
  ASSERT_TRUE(server.wait_exit(std::chrono::seconds(10)));
  auto records = json_lines_of(audit);
  ASSERT_GE(records.size(), 2u);
  EXPECT_EQ(records[0]["action"], "type");
  EXPECT_EQ(records[0]["arguments"]["text"], "[11 characters]");
  EXPECT_EQ(read_whole_file(audit).find("password123"), std::string::npos);
  // The task's call, cancelled by the shutdown, is recorded too.
  EXPECT_EQ(records.back()["tool"], "run_cua_task");
  EXPECT_EQ(records.back()["outcome"], "cancelled");
}

TEST(policy, the_audit_log_is_rotated_by_size) {
  temp_dir dir("cua-audit");
  auto audit = (dir.path / "audit.jsonl").string();
  server_process server({"--backend", "sim", "--settle-ms", "0", "--audit-log", audit,
                         "--audit-max-mb", "1"});
  server.initialize();
  std::string text(9000, 'x');
  for (int i = 0; i < 130; ++i)
    server.call_tool("computer", {{"action", "type"}, {"text", text}, {"screenshot", false}});
  server.close_stdin();
  ASSERT_TRUE(server.wait_exit(std::chrono::seconds(10)));
  auto first = json_lines_of(audit + ".1");
  auto second = json_lines_of(audit);
  EXPECT_FALSE(first.empty());
  EXPECT_FALSE(second.empty());
  EXPECT_EQ(first.size() + second.size(), 130u);
  EXPECT_LE(std::filesystem::file_size(audit + ".1"), 1u << 20);
}
