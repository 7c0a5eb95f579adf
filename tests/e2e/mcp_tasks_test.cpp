// MCP tasks (protocol 2025-11-25, and the tasks extension of 2026-07-28) through the built server
// over stdio: a tools/call that runs in the background, polled, fetched, listed, cancelled, bounded
// and expired. (Over HTTP, ownership and dropped connections: http_transport_test; the official
// suite's tasks-* scenarios: tests/conformance.)

#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

// One click, then a wait of `seconds`, then the end.
std::string waiting_script(int seconds) {
  return write_replay_script(
    R"({"text":"clicking","actions":[{"action":"left_click","coordinate":[100,120]}]}
{"text":"waiting","actions":[{"action":"wait","duration":)"
    + std::to_string(seconds) + R"(}]}
{"text":"all done"}
)");
}

std::vector<std::string> args_with(const std::string& script, std::vector<std::string> extra = {}) {
  std::vector<std::string> all{"--backend", "sim", "--settle-ms", "0", "--model", "replay:" + script};
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

json task_call(const std::string& tool, json arguments, json task = json::object()) {
  return {{"name", tool}, {"arguments", std::move(arguments)}, {"task", std::move(task)}};
}

// Polls tasks/get until the task leaves "working" (or 20 s pass); returns the last answer.
json wait_until_done(server_process& server, const std::string& id) {
  json got;
  for (int i = 0; i < 400; ++i) {
    got = server.request("tasks/get", {{"taskId", id}})["result"];
    if (got.value("status", "") != "working")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return got;
}

} // namespace

TEST(mcp_tasks, are_declared_at_2025_11_25_for_the_agents_tools_only_and_not_before) {
  server_process server({"--backend", "sim"});
  auto init = server.initialize("2025-11-25");
  EXPECT_EQ(init["capabilities"]["tasks"],
            json::parse(R"({"list":{},"cancel":{},"requests":{"tools":{"call":{}}}})"));
  auto tools = server.request("tools/list")["result"]["tools"]; // kept: the loop must not outlive it
  for (const auto& tool : tools) {
    auto name = tool["name"].get<std::string>();
    if (name == "run_cua_task" || name == "run_multi_cua_tasks")
      EXPECT_EQ(tool["execution"], json::parse(R"({"taskSupport":"optional"})")) << name;
    else
      EXPECT_FALSE(tool.contains("execution")) << name;
  }
  // A tool that answers at once does not run as a task; a malformed task request is refused.
  auto refused = server.request("tools/call", task_call("screenshot_cua", json::object()));
  EXPECT_EQ(refused["error"]["code"], -32601) << refused;
  auto malformed = server.request("tools/call", task_call("run_cua_task", {{"task", "x"}}, "soon"));
  EXPECT_EQ(malformed["error"]["code"], -32602) << malformed;
  auto bad_ttl = server.request("tools/call", task_call("run_cua_task", {{"task", "x"}}, {{"ttl", -5}}));
  EXPECT_EQ(bad_ttl["error"]["code"], -32602) << bad_ttl;

  // Before 2025-11-25 there are no tasks: params.task is ignored and the call answers as ever.
  server_process older({"--backend", "sim"});
  auto old_init = older.initialize("2025-06-18");
  EXPECT_FALSE(old_init["capabilities"].contains("tasks"));
  auto old_tools = older.request("tools/list")["result"]["tools"];
  for (const auto& tool : old_tools)
    EXPECT_FALSE(tool.contains("execution"));
  auto plain = older.request("tools/call", task_call("screenshot_cua", json::object()));
  EXPECT_TRUE(plain["result"].contains("content")) << plain.dump().substr(0, 300);
  auto methods = older.request("tasks/list");
  EXPECT_EQ(methods["error"]["code"], -32601);
}

TEST(mcp_tasks, a_task_answers_at_once_runs_in_the_background_and_its_result_is_fetched) {
  server_process server(args_with(waiting_script(1)));
  server.initialize("2025-11-25");
  auto created = server.request("tools/call", task_call("run_cua_task", {{"task", "click and wait"}},
                                                        {{"ttl", 120000}}),
                                std::chrono::seconds(2));
  ASSERT_TRUE(created.contains("result")) << created;
  auto task = created["result"]["task"];
  EXPECT_EQ(task["status"], "working");
  EXPECT_EQ(task["ttl"], 120000);
  EXPECT_GT(task["pollInterval"].get<int>(), 0);
  EXPECT_TRUE(task["createdAt"].is_string());
  EXPECT_TRUE(task["lastUpdatedAt"].is_string());
  auto id = task["taskId"].get<std::string>();
  EXPECT_EQ(id.size(), 36u); // a random UUID: it cannot be guessed

  auto now = server.request("tasks/get", {{"taskId", id}})["result"];
  EXPECT_EQ(now["taskId"], id);
  EXPECT_EQ(now["status"], "working") << now;

  // tasks/result waits for the end, then answers as the call itself would have.
  auto fetched = server.request("tasks/result", {{"taskId", id}}, std::chrono::seconds(20));
  ASSERT_TRUE(fetched.contains("result")) << fetched;
  auto result = fetched["result"];
  EXPECT_FALSE(result.value("isError", false)) << all_text_of(result);
  EXPECT_NE(all_text_of(result).find("all done"), std::string::npos) << all_text_of(result);
  EXPECT_EQ(result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], id);
  bool has_image = false;
  for (const auto& block : result["content"])
    has_image = has_image || block["type"] == "image";
  EXPECT_TRUE(has_image);

  EXPECT_EQ(server.request("tasks/get", {{"taskId", id}})["result"]["status"], "completed");
  // A finished task's result can be fetched again, for as long as its ttl.
  EXPECT_EQ(server.request("tasks/result", {{"taskId", id}})["result"]["content"], result["content"]);
  auto listed = server.request("tasks/list")["result"]["tasks"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["taskId"], id);
  EXPECT_EQ(listed[0]["status"], "completed");

  // The client heard each change of status.
  bool heard_completed = false;
  for (const auto& note : server.notifications())
    if (note["method"] == "notifications/tasks/status" && note["params"]["taskId"] == id)
      heard_completed = heard_completed || note["params"]["status"] == "completed";
  EXPECT_TRUE(heard_completed);

  // Finished: it cannot be cancelled; unknown ids are refused.
  EXPECT_EQ(server.request("tasks/cancel", {{"taskId", id}})["error"]["code"], -32602);
  EXPECT_EQ(server.request("tasks/get", {{"taskId", "not-a-task"}})["error"]["code"], -32602);
  EXPECT_EQ(server.request("tasks/result", {{"taskId", "not-a-task"}})["error"]["code"], -32602);
  EXPECT_EQ(server.request("tasks/get", json::object())["error"]["code"], -32602);
  EXPECT_EQ(server.request("tasks/list", {{"cursor", "x"}})["error"]["code"], -32602);
}

TEST(mcp_tasks, a_cancelled_task_stops_and_frees_its_computer) {
  server_process server(args_with(waiting_script(30), {"--max-sessions", "1"}));
  server.initialize("2025-11-25");
  auto created = server.request("tools/call", task_call("run_cua_task", {{"task", "wait long"}}));
  auto id = created["result"]["task"]["taskId"].get<std::string>();
  // The agent is on its 30 s wait once its session shows a running task.
  for (int i = 0; i < 200; ++i) {
    auto stats = server.call_tool("get_session_stats")["structuredContent"];
    bool running = false;
    for (const auto& [sid, session] : stats["sessions"].items())
      running = running || session.value("active_tasks", 0) > 0;
    if (running)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto waiting = server.start_request("tasks/result", {{"taskId", id}});
  auto cancelled = server.request("tasks/cancel", {{"taskId", id}}, std::chrono::seconds(2));
  ASSERT_TRUE(cancelled.contains("result")) << cancelled;
  EXPECT_EQ(cancelled["result"]["status"], "cancelled");
  // Whoever waited for the result hears that it was cancelled.
  auto result = server.wait_response(waiting, std::chrono::seconds(5));
  EXPECT_TRUE(result["result"].value("isError", false)) << result;
  EXPECT_NE(all_text_of(result["result"]).find("cancelled"), std::string::npos) << result;
  EXPECT_EQ(server.request("tasks/get", {{"taskId", id}})["result"]["status"], "cancelled");
  // The computer is free at once: the one session takes a screenshot without waiting.
  auto shot = server.call_tool("screenshot_cua", json::object(), std::chrono::seconds(5));
  EXPECT_FALSE(shot.value("isError", false)) << all_text_of(shot);
  auto stats = server.call_tool("get_session_stats")["structuredContent"];
  for (const auto& [sid, session] : stats["sessions"].items())
    EXPECT_EQ(session.value("active_tasks", 0), 0) << stats;
  EXPECT_EQ(server.request("tasks/cancel", {{"taskId", id}})["error"]["code"], -32602);
}

TEST(mcp_tasks, a_tool_error_fails_the_task_with_the_tools_own_result) {
  // A model that cannot be reached: the agent's call ends with a tool error.
  server_process server({"--backend", "sim", "--model", "replay:/nonexistent/script.jsonl"});
  server.initialize("2025-11-25");
  auto created = server.request("tools/call", task_call("run_cua_task", {{"task", "x"}}));
  auto id = created["result"]["task"]["taskId"].get<std::string>();
  auto done = wait_until_done(server, id);
  EXPECT_EQ(done["status"], "failed") << done;
  auto result = server.request("tasks/result", {{"taskId", id}})["result"];
  EXPECT_TRUE(result.value("isError", false)) << result;
  EXPECT_FALSE(all_text_of(result).empty());
}

TEST(mcp_tasks, ttls_are_capped_tasks_expire_and_a_client_holds_a_bounded_number) {
  server_process server(args_with(waiting_script(30), {"--task-ttl-max", "1.5", "--task-max-per-client", "1"}));
  server.initialize("2025-11-25");
  auto created = server.request("tools/call", task_call("run_cua_task", {{"task", "a"}}, {{"ttl", 600000}}));
  auto task = created["result"]["task"];
  EXPECT_EQ(task["ttl"], 1500); // asked 10 min, capped
  auto id = task["taskId"].get<std::string>();
  auto second = server.request("tools/call", task_call("run_cua_task", {{"task", "b"}}));
  EXPECT_EQ(second["error"]["code"], -32000) << second;
  EXPECT_NE(second["error"]["message"].get<std::string>().find("at most 1"), std::string::npos) << second;
  // Past its ttl the running task is cancelled and forgotten; the client may create another.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(server.request("tasks/get", {{"taskId", id}})["error"]["code"], -32602);
  EXPECT_TRUE(server.request("tasks/list")["result"]["tasks"].empty());
  auto third = server.request("tools/call", task_call("run_cua_task", {{"task", "c"}}));
  EXPECT_EQ(third["result"]["task"]["status"], "working") << third;
}

TEST(mcp_tasks, the_end_of_input_cancels_running_tasks_and_the_server_exits_promptly) {
  server_process server(args_with(waiting_script(30)));
  server.initialize("2025-11-25");
  auto created = server.request("tools/call", task_call("run_cua_task", {{"task", "wait"}}));
  ASSERT_TRUE(created.contains("result")) << created;
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(8)), 0) << server.stderr_text();
}

// --- The tasks extension of 2026-07-28: the server decides, results come inline ---

namespace {

json extension_meta(bool declares) {
  json caps = json::object();
  if (declares)
    caps["extensions"]["io.modelcontextprotocol/tasks"] = json::object();
  return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
          {"io.modelcontextprotocol/clientCapabilities", caps}};
}

json modern(server_process& server, const std::string& method, json params, bool declares) {
  params["_meta"] = extension_meta(declares);
  return server.wait_response(server.start_request(method, params));
}

} // namespace

TEST(mcp_tasks, the_extension_runs_the_agents_tools_as_tasks_for_clients_that_declare_it) {
  server_process server(args_with(waiting_script(1)));
  auto discover = modern(server, "server/discover", json::object(), false)["result"];
  EXPECT_TRUE(discover["capabilities"]["extensions"].contains("io.modelcontextprotocol/tasks"));
  EXPECT_FALSE(discover["capabilities"].contains("tasks"));

  auto created = modern(server, "tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "t"}}}}, true);
  auto task = created["result"];
  EXPECT_EQ(task["resultType"], "task") << created;
  EXPECT_FALSE(task.contains("task"));
  EXPECT_TRUE(task["ttlMs"].is_number_integer());
  EXPECT_TRUE(task["pollIntervalMs"].is_number_integer());
  EXPECT_FALSE(task.contains("ttl"));
  auto id = task["taskId"].get<std::string>();

  json got;
  for (int i = 0; i < 400; ++i) {
    got = modern(server, "tasks/get", {{"taskId", id}}, true)["result"];
    if (got["status"] != "working")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(got["resultType"], "complete");
  EXPECT_EQ(got["status"], "completed") << got.dump().substr(0, 400);
  EXPECT_NE(all_text_of(got["result"]).find("all done"), std::string::npos);
  EXPECT_FALSE(got["result"].contains("resultType"));
  // Cancelling a finished task is acknowledged and changes nothing; tasks/update likewise.
  auto ack = modern(server, "tasks/cancel", {{"taskId", id}}, true)["result"];
  EXPECT_EQ(ack["resultType"], "complete");
  EXPECT_FALSE(ack.contains("status"));
  EXPECT_EQ(modern(server, "tasks/update", {{"taskId", id}, {"inputResponses", json::object()}}, true)["result"]["resultType"],
            "complete");
  // Gone from the extension: tasks/result and tasks/list.
  EXPECT_EQ(modern(server, "tasks/result", {{"taskId", id}}, true)["error"]["code"], -32601);
  EXPECT_EQ(modern(server, "tasks/list", json::object(), true)["error"]["code"], -32601);
  EXPECT_EQ(modern(server, "tasks/get", {{"taskId", "nope"}}, true)["error"]["code"], -32602);

  // A client that does not declare it gets the call answered as ever, and no task methods.
  auto plain = modern(server, "tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "t"}}}}, false);
  EXPECT_EQ(plain["result"]["resultType"], "complete") << plain.dump().substr(0, 300);
  auto gated = modern(server, "tasks/get", {{"taskId", id}}, false);
  EXPECT_EQ(gated["error"]["code"], -32021);
  EXPECT_TRUE(gated["error"]["data"]["requiredCapabilities"]["extensions"].contains(
    "io.modelcontextprotocol/tasks"));
  // Tools that answer at once are never tasks.
  auto shot = modern(server, "tools/call", {{"name", "screenshot_cua"}, {"arguments", json::object()}}, true);
  EXPECT_EQ(shot["result"]["resultType"], "complete");
}

TEST(mcp_tasks, a_task_asks_the_clients_model_and_its_requests_name_the_task) {
  server_process server({"--backend", "sim", "--model", "sampling", "--settle-ms", "0"});
  server.initialize("2025-11-25", {{"sampling", {{"tools", json::object()}}}});
  auto created = server.request("tools/call", task_call("run_cua_task", {{"task", "click"}}));
  ASSERT_TRUE(created.contains("result")) << created;
  auto id = created["result"]["task"]["taskId"].get<std::string>();
  auto waiting = server.start_request("tasks/result", {{"taskId", id}});
  json response;
  int asked = 0;
  for (int i = 0; i < 50 && response.is_null(); ++i) {
    auto message = server.next_message(std::chrono::seconds(10));
    ASSERT_TRUE(message);
    if (message->value("method", "") == "sampling/createMessage") {
      ++asked;
      EXPECT_EQ((*message)["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], id);
      json result = asked == 1
                      ? json{{"role", "assistant"}, {"model", "client-model"}, {"stopReason", "toolUse"},
                             {"content", {{{"type", "tool_use"}, {"id", "s1"}, {"name", "computer"},
                                           {"input", {{"action", "left_click"}, {"coordinate", {3, 4}}}}}}}}
                      : json{{"role", "assistant"}, {"model", "client-model"}, {"stopReason", "endTurn"},
                             {"content", {{"type", "text"}, {"text", "Clicked in a task."}}}};
      server.send({{"jsonrpc", "2.0"}, {"id", (*message)["id"]}, {"result", result}});
    } else if (message->contains("id") && (*message)["id"] == waiting) {
      response = *message;
    }
  }
  EXPECT_EQ(asked, 2);
  EXPECT_FALSE(response["result"].value("isError", false)) << response.dump().substr(0, 300);
  EXPECT_NE(all_text_of(response["result"]).find("Clicked in a task."), std::string::npos);
}
