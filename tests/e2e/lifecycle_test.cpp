// The server's life as a client sees it: handshake, flags, and every way it ends.

#include <csignal>

#include <memory>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

std::vector<std::string> sim_args() {
  return {"--backend", "sim", "--log-level", "info"};
}

/// Returns a server whose model waits 30 s at its first step: its tasks run until cancelled.
std::unique_ptr<server_process> server_with_long_tasks() {
  auto script = write_replay_script(R"({"actions":[{"action":"wait","duration":30}]}
{"text":"never"}
)");
  auto server = std::make_unique<server_process>(
    std::vector<std::string>{"--backend", "sim", "--model", "replay:" + script, "--settle-ms", "0"});
  server->initialize();
  return server;
}

} // namespace

TEST(lifecycle, negotiates_each_supported_version_and_falls_back_to_the_newest) {
  for (auto version : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "1999-01-01"}) {
    server_process server(sim_args());
    auto result = server.initialize(version);
    auto expected = std::string(version) == "1999-01-01" ? "2025-11-25" : version;
    EXPECT_EQ(result["protocolVersion"], expected);
    EXPECT_EQ(result["serverInfo"]["name"], "cua-mcp-server");
    auto tools = server.request("tools/list")["result"]["tools"];
    EXPECT_EQ(tools.size(), 6u) << version;
  }
}

TEST(lifecycle, exits_cleanly_on_end_of_input) {
  server_process server(sim_args());
  server.initialize();
  server.call_tool("screenshot_cua"); // a computer exists now
  server.close_stdin();
  auto code = server.wait_exit(5s);
  ASSERT_TRUE(code) << "the server did not exit within 5 s of EOF";
  EXPECT_EQ(*code, 0);
  EXPECT_NE(server.stderr_text().find("shutting down after the end of the input"), std::string::npos);
}

TEST(lifecycle, exits_promptly_on_end_of_input_without_sessions) {
  server_process server(sim_args());
  server.initialize();
  server.call_tool("get_session_stats");
  server.close_stdin();
  // Nothing to clean up: nowhere near the 5 s bound (clients SIGTERM after 2 s).
  auto code = server.wait_exit(1500ms);
  ASSERT_TRUE(code) << server.stderr_text();
  EXPECT_EQ(*code, 0);
}

// `echo ... | cua-mcp-server` is how people try a server: the requests and the end of the input
// arrive together, and every request read is answered before the server exits.
TEST(lifecycle, requests_just_before_end_of_input_are_all_answered) {
  auto rpc = [](int id, const std::string& method, json params) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  };
  auto call = [&](int id, const std::string& tool, json arguments) {
    return rpc(id, "tools/call", {{"name", tool}, {"arguments", std::move(arguments)}});
  };
  for (int run = 0; run < 50; ++run) {
    server_process server(sim_args());
    server.send(rpc(0, "initialize", {{"protocolVersion", "2025-11-25"},
                                      {"capabilities", json::object()},
                                      {"clientInfo", {{"name", "pipe"}, {"version", "1"}}}}));
    server.send(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    server.send(call(1, "get_session_stats", json::object()));
    server.send(rpc(2, "tools/list", json::object()));
    server.send(call(3, "computer", {{"action", "screenshot"}}));
    server.send(call(4, "screenshot_cua", {{"session_id", "other"}}));
    server.close_stdin();
    std::set<int> answered;
    while (answered.size() < 5) {
      auto message = server.next_message(5s);
      if (!message)
        break;
      if (!message->contains("id"))
        continue;
      EXPECT_TRUE(message->contains("result")) << message->dump();
      EXPECT_FALSE((*message)["result"].value("isError", false)) << message->dump();
      answered.insert((*message)["id"].get<int>());
    }
    EXPECT_EQ(answered.size(), 5u) << "run " << run << ": " << server.stderr_text();
    auto code = server.wait_exit(5s);
    ASSERT_TRUE(code) << "run " << run;
    EXPECT_EQ(*code, 0);
    if (HasFailure())
      break;
  }
}

// A task would take minutes: at the end of the input it is cancelled, and its caller told why.
TEST(lifecycle, a_task_running_at_end_of_input_is_answered_as_cancelled) {
  auto running = server_with_long_tasks();
  auto& server = *running;
  auto task = server.start_request("tools/call", {{"name", "run_cua_task"},
                                                  {"arguments", {{"task", "wait"}}}});
  auto stats = server.start_request("tools/call", {{"name", "get_session_stats"},
                                                   {"arguments", json::object()}});
  server.close_stdin();
  auto start = std::chrono::steady_clock::now();
  auto answer = server.wait_response(task, 5s);
  ASSERT_TRUE(answer.contains("result")) << answer.dump();
  EXPECT_TRUE(answer["result"]["isError"].get<bool>());
  EXPECT_NE(answer["result"]["content"][0]["text"].get<std::string>().find("shutting down"),
            std::string::npos)
    << answer.dump();
  EXPECT_TRUE(server.wait_response(stats, 5s).contains("result"));
  ASSERT_TRUE(server.wait_exit(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(lifecycle, exits_cleanly_on_sigterm_and_sigint) {
  for (int sig : {SIGTERM, SIGINT}) {
    server_process server(sim_args());
    server.initialize();
    server.call_tool("screenshot_cua");
    kill(server.pid(), sig);
    auto code = server.wait_exit(5s);
    ASSERT_TRUE(code) << "no exit within 5 s of signal " << sig;
    EXPECT_EQ(*code, 0);
  }
}

TEST(lifecycle, sigterm_during_running_tasks_cancels_them_and_exits_in_time) {
  auto running = server_with_long_tasks();
  auto& server = *running;
  for (int i = 0; i < 10; ++i)
    server.start_request("tools/call", {{"name", "run_cua_task"},
                                        {"arguments", {{"task", "wait"}, {"session_id", "s" + std::to_string(i)}}}});
  // Let the tasks start.
  auto stats = server.call_tool("get_session_stats");
  for (int tries = 0; tries < 50 && stats["structuredContent"]["sessions"].size() < 10; ++tries) {
    std::this_thread::sleep_for(50ms);
    stats = server.call_tool("get_session_stats");
  }
  auto start = std::chrono::steady_clock::now();
  kill(server.pid(), SIGTERM);
  auto code = server.wait_exit(5s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(server.stderr_text().find("task(s) cancelled"), std::string::npos);
  EXPECT_TRUE(server.children().empty());
}

TEST(lifecycle, leaves_no_child_process_behind) {
  server_process server(sim_args());
  server.initialize();
  server.call_tool("screenshot_cua");
  EXPECT_TRUE(server.children().empty()); // the sim backend starts no processes at all
  server.close_stdin();
  ASSERT_TRUE(server.wait_exit(5s));
  EXPECT_TRUE(server.children().empty());
}

TEST(lifecycle, help_and_version_describe_the_server) {
  // --help is for a person at a terminal: read it raw from stdout.
  server_process help({"--help"});
  auto text = help.raw_output();
  EXPECT_EQ(help.wait_exit(5s), 0);
  for (auto flag : {"--backend", "--max-sessions", "--pool-size", "--pool-warm", "--idle-timeout",
                    "--reap-interval", "--acquire-timeout", "--action-timeout", "--screen",
                    "--model", "--max-images", "--max-steps", "--settle-ms", "--log-level",
                    "--sim-latency-ms", "CUA_MODEL_NAME", "CUA_MAX_IMAGES", "replay:PATH",
                    "1280x800", "600"})
    EXPECT_NE(text.find(flag), std::string::npos) << flag << " missing from --help:\n" << text;
  server_process version({"--version"});
  EXPECT_NE(version.raw_output().find(CUA_VERSION), std::string::npos);
  EXPECT_EQ(version.wait_exit(5s), 0);
}

TEST(lifecycle, rejects_bad_settings_at_start) {
  server_process bad_flag({"--max-sessions", "0"});
  auto code = bad_flag.wait_exit(5s);
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  EXPECT_NE(bad_flag.stderr_text().find("max-sessions"), std::string::npos);
  server_process bad_env({}, {"CUA_MAX_IMAGES=99"});
  code = bad_env.wait_exit(5s);
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  server_process bad_screen({"--screen", "big"});
  code = bad_screen.wait_exit(5s);
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
}
