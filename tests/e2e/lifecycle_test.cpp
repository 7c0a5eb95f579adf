// The server's life as a client sees it: handshake, flags, and every way it ends.

#include <csignal>

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
  auto script = write_replay_script(R"({"actions":[{"action":"wait","duration":30}]}
{"text":"never"}
)");
  server_process server({"--backend", "sim", "--model", "replay:" + script, "--settle-ms", "0"});
  server.initialize();
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
