// Nothing a client or a model sends reaches a shell on the host.

#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"

using namespace cua::test;
using nlohmann::json;

TEST(security, no_client_or_model_input_reaches_a_host_shell) {
  auto marker = std::filesystem::temp_directory_path() / ("cua-shell-marker-" + std::to_string(getpid()));
  std::filesystem::remove(marker);
  auto touch = "touch " + marker.string();
  auto script = write_replay_script(json{{"actions", {{{"action", "bash"}, {"command", touch}},
                                                      {{"action", "run_command"}, {"command", touch}}}}}.dump()
                                    + "\n" + R"({"text":"done"})");
  // A real desktop without a window manager or terminal: the display is what matters here.
  server_process server({"--backend", "xvfb", "--window-manager", "", "--desktop-startup", "",
                         "--pool-warm", "0", "--screen", "640x480", "--model", "replay:" + script,
                         "--settle-ms", "0"});
  server.initialize();
  // No tool takes a command.
  auto tools = server.request("tools/list")["result"]["tools"];
  ASSERT_GE(tools.size(), 6u);
  for (const auto& tool : tools) {
    auto properties = tool["inputSchema"].value("properties", json::object());
    for (const auto& name : {"command", "cmd", "shell", "script"})
      EXPECT_FALSE(properties.contains(name)) << tool["name"];
  }
  // The computer tool knows no command-running action.
  for (const auto& action : {"run_command", "bash", "shell", "execute"}) {
    auto refused = server.call_tool("computer", {{"action", action}, {"command", touch}});
    EXPECT_EQ(refused["isError"], true) << action;
    EXPECT_NE(refused["content"][0]["text"].get<std::string>().find("\"action\" must be one of"), std::string::npos)
      << refused.dump();
  }
  // Session ids are names, never command text.
  auto odd = server.call_tool("screenshot_cua", {{"session_id", "$(" + touch + ");" + touch + "`" + touch + "`"}});
  EXPECT_EQ(odd["content"][0]["type"], "image") << odd.dump();
  // A model asking for a shell gets an error result and the task goes on.
  auto task = server.call_tool("run_cua_task", {{"task", "x"}});
  EXPECT_EQ(task["content"][0]["text"], "done") << task.dump();
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(5)), 0);
  EXPECT_FALSE(std::filesystem::exists(marker)) << "a command ran on the host";
  std::filesystem::remove(marker);
}
