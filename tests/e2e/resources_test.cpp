// MCP resources through the built server: the client's sessions' screens and its recorded tasks,
// listed, read and (screens) subscribed to, with updates when a screen changes and not when it
// does not. (Over HTTP, what another client sees: http_transport_test.)

#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

const char* script_text = R"({"text":"clicking","actions":[{"action":"left_click","coordinate":[100,120]}]}
{"text":"all done"}
)";

int updates_of(server_process& server, const std::string& uri) {
  int count = 0;
  for (const auto& note : server.notifications())
    if (note["method"] == "notifications/resources/updated" && note["params"]["uri"] == uri)
      ++count;
  return count;
}

// Collects what arrives for `d` (a ping at the end makes sure everything before it was read).
void wait_and_collect(server_process& server, std::chrono::milliseconds d) {
  std::this_thread::sleep_for(d);
  server.request("ping");
}

} // namespace

TEST(resources, a_clients_screens_and_recordings_are_listed_and_read) {
  temp_dir dir{"cua-e2e-resources"};
  auto script = write_replay_script(script_text);
  server_process server({"--backend", "sim", "--settle-ms", "0", "--model", "replay:" + script,
                         "--trajectory-dir", dir.path.string()});
  auto init = server.initialize("2025-11-25");
  EXPECT_EQ(init["capabilities"]["resources"]["subscribe"], true);
  auto task = server.call_tool("run_cua_task", {{"task", "click once"}});
  ASSERT_FALSE(task.value("isError", false)) << task.dump().substr(0, 300);

  auto listed = server.request("resources/list")["result"]["resources"];
  std::string screen, record, steps;
  for (const auto& r : listed) {
    auto uri = r["uri"].get<std::string>();
    if (uri.rfind("cua://sessions/", 0) == 0)
      screen = uri;
    else if (uri.size() > 6 && uri.compare(uri.size() - 6, 6, "/steps") == 0)
      steps = uri;
    else
      record = uri;
  }
  ASSERT_FALSE(screen.empty()) << listed;
  ASSERT_FALSE(record.empty()) << listed;
  ASSERT_FALSE(steps.empty()) << listed;

  auto shot = server.request("resources/read", {{"uri", screen}})["result"]["contents"][0];
  EXPECT_EQ(shot["mimeType"], "image/png");
  EXPECT_EQ(shot["uri"], screen);
  EXPECT_GT(png_size(shot["blob"].get<std::string>()).first, 0);

  auto task_json = server.request("resources/read", {{"uri", record}})["result"]["contents"][0];
  EXPECT_EQ(task_json["mimeType"], "application/json");
  auto parsed = json::parse(task_json["text"].get<std::string>());
  EXPECT_EQ(parsed["task"], "click once");
  EXPECT_EQ(parsed["status"], "completed");

  auto lines = server.request("resources/read", {{"uri", steps}})["result"]["contents"][0];
  auto first_step = json::parse(lines["text"].get<std::string>().substr(0, lines["text"].get<std::string>().find('\n')));
  ASSERT_FALSE(first_step["screenshots"].empty()) << first_step;
  auto picture_uri = record + "/screenshots/" + first_step["screenshots"][0].get<std::string>();
  auto picture = server.request("resources/read", {{"uri", picture_uri}})["result"]["contents"][0];
  EXPECT_EQ(picture["mimeType"], "image/png");
  EXPECT_GT(png_size(picture["blob"].get<std::string>()).first, 0);

  // Names that lead nowhere (or out of the recordings' folder) are not found.
  for (const auto& bad : {std::string{"cua://sessions/nobody/screen"}, std::string{"cua://trajectories/nothing"},
                          std::string{"cua://trajectories/../screenshots/task.json"},
                          record + "/screenshots/..", record + "/screenshots/task.json",
                          std::string{"file:///etc/passwd"}}) {
    auto refused = server.request("resources/read", {{"uri", bad}});
    EXPECT_EQ(refused["error"]["code"], -32002) << bad << ": " << refused;
  }
  EXPECT_EQ(server.request("resources/read", json::object())["error"]["code"], -32602);
  auto templates = server.request("resources/templates/list")["result"]["resourceTemplates"];
  EXPECT_EQ(templates.size(), 4u);
}

TEST(resources, a_subscribed_screen_is_announced_when_it_changes_and_not_when_it_does_not) {
  server_process server({"--backend", "sim", "--settle-ms", "0"});
  server.initialize("2025-11-25");
  server.call_tool("computer", {{"action", "cursor_position"}, {"session_id", "watched"}});
  auto uri = std::string{"cua://sessions/watched/screen"};
  EXPECT_TRUE(server.request("resources/subscribe", {{"uri", uri}})["result"].is_object());
  wait_and_collect(server, std::chrono::milliseconds(1500));
  EXPECT_EQ(updates_of(server, uri), 0); // nothing moved

  auto click = server.call_tool("computer", {{"action", "left_click"}, {"coordinate", {400, 300}},
                                             {"session_id", "watched"}, {"screenshot", false}});
  ASSERT_FALSE(click.value("isError", false)) << click.dump().substr(0, 300);
  wait_and_collect(server, std::chrono::milliseconds(1500));
  EXPECT_EQ(updates_of(server, uri), 1);
  wait_and_collect(server, std::chrono::milliseconds(1200));
  EXPECT_EQ(updates_of(server, uri), 1); // still: the screen did not change again

  EXPECT_TRUE(server.request("resources/unsubscribe", {{"uri", uri}})["result"].is_object());
  server.call_tool("computer", {{"action", "left_click"}, {"coordinate", {10, 10}},
                                {"session_id", "watched"}, {"screenshot", false}});
  wait_and_collect(server, std::chrono::milliseconds(1200));
  EXPECT_EQ(updates_of(server, uri), 1);

  // Only a session's screen, and only an existing one of this client, can be subscribed to.
  EXPECT_EQ(server.request("resources/subscribe", {{"uri", "cua://sessions/nobody/screen"}})["error"]["code"], -32002);
  EXPECT_EQ(server.request("resources/subscribe", {{"uri", "cua://trajectories/x"}})["error"]["code"], -32602);
}

TEST(resources, looking_at_a_screen_does_not_keep_its_session_from_being_reaped) {
  server_process server({"--backend", "sim", "--idle-timeout", "1", "--reap-interval", "0.25"});
  server.initialize("2025-11-25");
  server.call_tool("computer", {{"action", "cursor_position"}, {"session_id", "idle"}});
  auto uri = std::string{"cua://sessions/idle/screen"};
  ASSERT_TRUE(server.request("resources/subscribe", {{"uri", uri}})["result"].is_object());
  for (int i = 0; i < 6; ++i) {
    server.request("resources/read", {{"uri", uri}});
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  // Reaped although read and watched the whole time; its resource is gone with it.
  EXPECT_EQ(server.request("resources/read", {{"uri", uri}})["error"]["code"], -32002);
  auto stats = server.call_tool("get_session_stats")["structuredContent"];
  EXPECT_FALSE(stats["sessions"].contains("idle")) << stats;
}
