// The server with real X desktops (the xvfb backend), over its pipes.

#include <csignal>
#include <fstream>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "util/proc_status.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

// Desktops without a window manager or terminal start fastest; what is tested here is the display.
std::vector<std::string> bare_xvfb(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--backend", "xvfb", "--window-manager", "", "--desktop-startup", "",
                                "--pool-warm", "0", "--screen", "800x600"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<pid_t> xvfb_children(server_process& server) {
  return server.descendants_named("Xvfb");
}

// Ends the server's input and checks that it exits with 0 and that no desktop outlives it.
void expect_clean_exit_without_xvfb(server_process& server) {
  auto survivors = xvfb_children(server);
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(5)), 0);
  for (auto pid : survivors)
    EXPECT_NE(kill(pid, 0), 0) << "Xvfb " << pid << " outlived the server";
}

} // namespace

TEST(xvfb, each_session_gets_its_own_desktop_and_none_outlives_the_server) {
  server_process server(bare_xvfb());
  server.initialize();
  auto a = server.call_tool("screenshot_cua", {{"session_id", "a"}});
  auto b = server.call_tool("screenshot_cua", {{"session_id", "b"}});
  ASSERT_EQ(a["content"][0]["type"], "image") << a.dump().substr(0, 500);
  EXPECT_EQ(png_size(a["content"][0]["data"]), std::make_pair(800, 600));
  EXPECT_EQ(xvfb_children(server).size(), 2u);
  server.call_tool("cleanup_session", {{"session_id", "a"}});
  // A used desktop is destroyed (just after the cleanup answers), never handed on.
  for (int i = 0; i < 100 && xvfb_children(server).size() != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(xvfb_children(server).size(), 1u);
  expect_clean_exit_without_xvfb(server);
}

TEST(xvfb, a_killed_display_fails_its_session_clearly_and_no_other) {
  server_process server(bare_xvfb());
  server.initialize();
  server.call_tool("screenshot_cua", {{"session_id", "victim"}});
  auto pids = xvfb_children(server);
  ASSERT_EQ(pids.size(), 1u);
  server.call_tool("screenshot_cua", {{"session_id", "bystander"}});
  kill(pids[0], SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto failed = server.call_tool("screenshot_cua", {{"session_id", "victim"}});
  EXPECT_EQ(failed["isError"], true);
  EXPECT_NE(failed["content"][0]["text"].get<std::string>().find("stopped"), std::string::npos)
    << failed.dump();
  auto fine = server.call_tool("screenshot_cua", {{"session_id", "bystander"}});
  EXPECT_EQ(fine["content"][0]["type"], "image");
  // The pool learns of the dead computer from its exit, which may come just after the answer.
  auto failures = [&] { return server.call_tool("get_session_stats")["structuredContent"]["pool"]["failed"].get<int>(); };
  for (int i = 0; i < 100 && failures() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(failures(), 1);
  // Cleaning up the broken session and starting again gives a working desktop.
  server.call_tool("cleanup_session", {{"session_id", "victim"}});
  auto again = server.call_tool("screenshot_cua", {{"session_id", "victim"}});
  EXPECT_EQ(again["content"][0]["type"], "image");
}

TEST(xvfb, the_default_desktop_shows_a_terminal) {
  server_process server({"--backend", "xvfb", "--pool-warm", "0"});
  server.initialize();
  auto shot = server.call_tool("screenshot_cua", {}, std::chrono::seconds(30));
  ASSERT_EQ(shot["content"][0]["type"], "image");
  EXPECT_EQ(server.stderr_text().find("no window appeared"), std::string::npos);
  // A terminal window is on the screen: the screenshot is not one flat colour.
  auto bytes = shot["content"][0]["data"].get<std::string>();
  EXPECT_GT(bytes.size(), 2000u);
}

TEST(xvfb, a_hung_display_hits_the_action_bound_and_is_replaced) {
  server_process server(bare_xvfb({"--action-timeout", "1"}));
  server.initialize();
  server.call_tool("screenshot_cua", {{"session_id", "frozen"}});
  auto pids = xvfb_children(server);
  ASSERT_EQ(pids.size(), 1u);
  kill(pids[0], SIGSTOP); // the X server stops answering; the computer's thread blocks in a call
  auto start = std::chrono::steady_clock::now();
  auto hung = server.call_tool("screenshot_cua", {{"session_id", "frozen"}});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(hung["isError"], true);
  EXPECT_NE(hung["content"][0]["text"].get<std::string>().find("did not answer within 1 s"), std::string::npos)
    << hung.dump();
  EXPECT_LT(took, std::chrono::seconds(3));
  // The stopped Xvfb was killed, and the next session gets a working desktop.
  for (int i = 0; i < 100 && kill(pids[0], 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(kill(pids[0], 0), 0) << "the hung Xvfb is still there";
  auto fresh = server.call_tool("screenshot_cua", {{"session_id", "fresh"}});
  EXPECT_EQ(fresh["content"][0]["type"], "image");
  auto again = server.call_tool("screenshot_cua", {{"session_id", "frozen"}});
  EXPECT_NE(again["content"][0]["text"].get<std::string>().find("was replaced"), std::string::npos);
  EXPECT_GE(server.call_tool("get_session_stats")["structuredContent"]["pool"]["failed"], 1);
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(5)), 0);
}

TEST(xvfb, a_display_killed_mid_task_fails_that_task_clearly_and_no_other) {
  auto script = write_replay_script(R"({"actions":[{"action":"wait","duration":3},{"action":"left_click","coordinate":[10,10]}]}
{"text":"should not get here"})");
  server_process server(bare_xvfb({"--model", "replay:" + script, "--settle-ms", "0"}));
  server.initialize();
  server.call_tool("screenshot_cua", {{"session_id", "bystander"}});
  auto bystander = xvfb_children(server);
  ASSERT_EQ(bystander.size(), 1u);
  auto id = server.start_request("tools/call", {{"name", "run_cua_task"},
                                                {"arguments", {{"task", "x"}, {"session_id", "victim"}}}});
  std::vector<pid_t> victim;
  for (int i = 0; i < 250 && victim.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (auto pid : xvfb_children(server))
      if (pid != bystander[0])
        victim.push_back(pid);
  }
  ASSERT_EQ(victim.size(), 1u) << "the task's desktop did not start";
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // inside the 3 s wait
  kill(victim[0], SIGKILL);
  auto result = server.wait_response(id, std::chrono::seconds(10))["result"];
  EXPECT_EQ(result["isError"], true);
  EXPECT_NE(result["content"][0]["text"].get<std::string>().find("stopped"), std::string::npos) << result.dump();
  // The other desktop never noticed; the victim's session starts over after a cleanup.
  EXPECT_EQ(server.call_tool("screenshot_cua", {{"session_id", "bystander"}})["content"][0]["type"], "image");
  server.call_tool("cleanup_session", {{"session_id", "victim"}});
  EXPECT_EQ(server.call_tool("screenshot_cua", {{"session_id", "victim"}})["content"][0]["type"], "image");
  expect_clean_exit_without_xvfb(server);
}

TEST(xvfb, typing_into_the_terminal_returns_the_screen_it_left) {
  // The default desktop: window manager and xterm. Each answer's screenshot must already show
  // what the typing did: a screenshot a second later is the same.
  server_process server({"--backend", "xvfb", "--pool-warm", "0"});
  server.initialize();
  ASSERT_EQ(server.call_tool("screenshot_cua", {}, std::chrono::seconds(30))["content"][0]["type"], "image");
  int stale = 0;
  for (int i = 0; i < 5; ++i) {
    auto typed = server.call_tool("computer", {{"action", "type"}, {"text", "echo settled-" + std::to_string(i) + "\n"}});
    ASSERT_EQ(typed["content"][1]["type"], "image") << typed.dump().substr(0, 300);
    EXPECT_EQ(typed["structuredContent"]["settled"], true) << typed["structuredContent"];
    EXPECT_LT(typed["structuredContent"]["settle_ms"].get<int>(), 1000);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto later = server.call_tool("screenshot_cua");
    if (later["content"][0]["data"] != typed["content"][1]["data"])
      ++stale;
  }
  EXPECT_EQ(stale, 0) << "screenshots that did not show the typing yet";
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0);
}

namespace {

// Returns the processes whose command line names a desktop directory of server `pid`
// (/tmp/cua-desktop-PID-...): its sandboxes, wherever they were re-parented.
std::vector<pid_t> desktops_of(pid_t server) {
  std::vector<pid_t> out;
  auto mark = "/tmp/cua-desktop-" + std::to_string(server) + "-";
  for (const auto& [pid, parent] : cua::process_parents()) {
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (text.find(mark) != std::string::npos)
      out.push_back(pid);
  }
  return out;
}

} // namespace

// A server SIGKILLed while it starts desktops leaves none behind, whatever point each start had
// reached (one whose start had not yet tied it to the server's life was once left re-parented
// to init).
TEST(xvfb, a_server_killed_while_starting_desktops_leaves_none) {
  for (int delay_ms : {0, 20, 60, 120, 250}) {
    server_process server(bare_xvfb({"--pool-size", "6", "--pool-warm", "6"}));
    auto pid = server.pid();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    server.wait_exit(std::chrono::seconds(5));
    std::vector<pid_t> left;
    for (int i = 0; i < 150; ++i) {
      left = desktops_of(pid);
      if (left.empty())
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(left.empty()) << left.size() << " desktop processes outlived the server killed after "
                              << delay_ms << " ms";
    for (auto p : left)
      kill(p, SIGKILL);
  }
}
