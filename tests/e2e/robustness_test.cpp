// Bad input gets a clear error and the server keeps serving.

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

json next_response(server_process& server) {
  for (;;) {
    auto message = server.next_message(5s);
    if (!message)
      return {};
    if (message->contains("id") && !message->contains("method"))
      return *message;
  }
}

} // namespace

TEST(robustness, requests_before_initialize_get_an_error_not_a_hang) {
  server_process server({"--backend", "sim"});
  auto early = server.request("tools/list", json::object(), 2s);
  EXPECT_EQ(early["error"]["code"], -32600);
  auto probe = server.request("server/discover", json::object(), 2s);
  EXPECT_TRUE(probe.contains("error"));
  EXPECT_EQ(server.request("ping", json::object(), 2s)["result"], json::object());
}

TEST(robustness, garbage_and_wrong_types_are_refused_and_serving_goes_on) {
  server_process server({"--backend", "sim"});
  server.initialize();
  server.send_line("this is not json");
  EXPECT_EQ(next_response(server)["error"]["code"], -32700);
  server.send_line("{\"jsonrpc\":\"2.0\",\"id\":1,");
  EXPECT_EQ(next_response(server)["error"]["code"], -32700);
  server.send_line("\xff\xfe not utf-8");
  EXPECT_EQ(next_response(server)["error"]["code"], -32700);
  server.send_line(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})");
  EXPECT_EQ(next_response(server)["error"]["code"], -32600);
  server.send_line(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  EXPECT_EQ(next_response(server)["error"]["code"], -32600);
  EXPECT_EQ(server.request("no/such/method")["error"]["code"], -32601);
  EXPECT_EQ(server.request("tools/call", {{"name", "nope"}})["error"]["code"], -32602);
  auto bad_args = server.call_tool("run_cua_task", {{"task", json::array()}});
  EXPECT_EQ(bad_args["isError"], true);
  auto extra = server.call_tool("screenshot_cua", {{"sessionid", "typo"}});
  EXPECT_EQ(extra["isError"], true);
  EXPECT_NE(extra["content"][0]["text"].get<std::string>().find("unknown argument \"sessionid\""),
            std::string::npos);
  EXPECT_EQ(server.call_tool("screenshot_cua")["content"][0]["type"], "image");
}

TEST(robustness, an_oversized_line_is_refused_and_reading_goes_on) {
  server_process server({"--backend", "sim"});
  server.initialize();
  std::string huge = R"({"jsonrpc":"2.0","id":99,"method":"ping","params":{"pad":")"
                     + std::string(17 * 1024 * 1024, 'x') + "\"}}";
  server.send_line(huge);
  auto refused = next_response(server);
  EXPECT_EQ(refused["error"]["code"], -32600);
  EXPECT_TRUE(refused["id"].is_null());
  EXPECT_EQ(server.request("ping")["result"], json::object());
}

TEST(robustness, a_model_that_cannot_run_fails_the_task_not_the_server) {
  server_process server({"--backend", "sim", "--model", "replay:/nonexistent.jsonl"});
  server.initialize();
  auto failed = server.call_tool("run_cua_task", {{"task", "anything"}});
  EXPECT_EQ(failed["isError"], true);
  EXPECT_NE(failed["content"][0]["text"].get<std::string>().find("Task failed"), std::string::npos);
  server_process default_model({"--backend", "sim"}, {"ANTHROPIC_API_KEY="});
  default_model.initialize();
  auto unavailable = default_model.call_tool("run_cua_task", {{"task", "anything"}});
  EXPECT_EQ(unavailable["isError"], true);
  // The default model is Anthropic's; without a key the task says which variable to set.
  EXPECT_NE(unavailable["content"][0]["text"].get<std::string>().find("ANTHROPIC_API_KEY"), std::string::npos);
  EXPECT_EQ(default_model.call_tool("screenshot_cua")["content"][0]["type"], "image");
}

TEST(robustness, logging_set_level_sends_messages_at_that_level) {
  server_process server({"--backend", "sim", "--log-level", "debug"});
  server.initialize();
  EXPECT_EQ(server.request("logging/setLevel", {{"level", "info"}})["result"], json::object());
  server.call_tool("screenshot_cua", {{"session_id", "logged"}});
  bool saw = false;
  for (int i = 0; i < 20 && !saw; ++i) {
    for (const auto& n : server.notifications())
      saw = saw || (n["method"] == "notifications/message"
                    && n["params"]["data"].get<std::string>().find("session logged created") != std::string::npos);
    if (!saw)
      server.request("ping");
  }
  EXPECT_TRUE(saw);
}

TEST(robustness, five_hundred_malformed_lines_between_valid_calls_change_no_answer) {
  server_process server({"--backend", "sim", "--log-level", "warn"});
  server.initialize();
  const std::vector<std::string> garbage{
    "{", "null", "[]", "42", "\"text\"", R"({"jsonrpc":"2.0"})", R"({"jsonrpc":"2.0","id":[1],"method":"ping"})",
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":"x"})", "\xc3\x28", R"({"id":1,"method":"ping"})"};
  std::vector<json> ids;
  for (int i = 0; i < 500; ++i) {
    server.send_line(garbage[i % garbage.size()]);
    if (i % 10 == 0)
      ids.push_back(server.start_request("tools/call", {{"name", "get_session_stats"}, {"arguments", json::object()}}));
  }
  for (const auto& id : ids) {
    auto response = server.wait_response(id, std::chrono::seconds(20));
    ASSERT_TRUE(response.contains("result")) << response.dump();
    EXPECT_EQ(response["result"]["structuredContent"]["max_concurrent"], 10);
  }
  // Every malformed line got its error; the valid calls all their answers.
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(server.request("ping")["result"], json::object());
}
