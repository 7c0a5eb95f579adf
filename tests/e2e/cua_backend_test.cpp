// The cua backend through the built server: MCP tools driving fake Cua computer-servers.

#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "tests/support/fake_cua_server.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

json stats(server_process& server) {
  return server.call_tool("get_session_stats")["structuredContent"];
}

std::vector<std::string> cua_args(std::vector<std::string> urls, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--backend", "cua", "--settle-ms", "0", "--cua-timeout", "2"};
  for (auto& url : urls) {
    args.push_back("--cua-url");
    args.push_back(url);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

} // namespace

TEST(cua_backend, the_computer_tool_drives_a_computer_server_in_its_own_terms) {
  fake_cua_server::options o;
  o.screen_width = 2048;
  o.screen_height = 1536;
  fake_cua_server fake(o);
  server_process server(cua_args({fake.url()}));
  server.initialize();
  auto shot = server.call_tool("computer", {{"action", "screenshot"}});
  ASSERT_EQ(shot["content"][1]["type"], "image") << shot.dump();
  auto [width, height] = png_size(shot["content"][1]["data"]);
  EXPECT_LT(width, 2048); // scaled to the image budget, like every backend
  EXPECT_NEAR(static_cast<double>(width) / height, 2048.0 / 1536.0, 0.01);
  fake.clear_received();
  auto clicked = server.call_tool("computer", {{"action", "left_click"},
                                               {"coordinate", {width / 2, height / 2}},
                                               {"screenshot", false}});
  ASSERT_NE(clicked["isError"], true) << clicked.dump();
  auto commands = fake.commands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0]["command"], "left_click");
  EXPECT_NEAR(commands[0]["params"]["x"].get<int>(), 1024, 2); // mapped back to screen space
  EXPECT_NEAR(commands[0]["params"]["y"].get<int>(), 768, 2);
  fake.clear_received();
  server.call_tool("computer", {{"action", "key"}, {"text", "ctrl+alt+Delete"}, {"screenshot", false}});
  server.call_tool("computer", {{"action", "type"}, {"text", "hello"}, {"screenshot", false}});
  EXPECT_EQ(fake.commands(),
            (std::vector<json>{cua_frame("hotkey", {{"keys", {"ctrl", "alt", "delete"}}}),
                               cua_frame("type_text", {{"text", "hello"}})}));
  auto where = server.call_tool("computer", {{"action", "cursor_position"}});
  EXPECT_NEAR(std::stoi(text_of(where).substr(2)), width / 2, 1) << text_of(where);
  auto bad_key = server.call_tool("computer", {{"action", "key"}, {"text", "ctrl+Hyperdrive"}});
  EXPECT_EQ(bad_key["isError"], true);
  EXPECT_NE(text_of(bad_key).find("Hyperdrive"), std::string::npos);
}

TEST(cua_backend, a_replayed_task_runs_on_a_remote_computer) {
  fake_cua_server fake;
  auto script = write_replay_script(
    R"({"text":"Typing.","actions":[{"action":"left_click","coordinate":[100,200]},{"action":"type","text":"hi"}]}
{"text":"Done: typed hi."}
)");
  server_process server(cua_args({fake.url()}, {"--model", "replay:" + script}));
  server.initialize();
  auto result = server.call_tool("run_cua_task", {{"task", "type hi"}}, 30s);
  ASSERT_NE(result["isError"], true) << result.dump();
  EXPECT_NE(text_of(result).find("Done: typed hi."), std::string::npos);
  std::vector<std::string> names;
  for (const auto& c : fake.commands())
    names.push_back(c["command"]);
  auto click = std::find(names.begin(), names.end(), "left_click");
  ASSERT_NE(click, names.end());
  EXPECT_EQ(*(click + 1 < names.end() && *(click + 1) == "screenshot" ? click + 2 : click + 1),
            "type_text");
}

TEST(cua_backend, a_computer_that_goes_away_fails_its_session_only_and_comes_back_later) {
  fake_cua_server first;
  fake_cua_server second;
  server_process server(cua_args({first.url(), second.url()}, {"--probe-interval", "1",
                                                               "--pool-warm", "0"}));
  server.initialize();
  auto a = server.call_tool("computer", {{"action", "cursor_position"}, {"session_id", "a"}});
  auto b = server.call_tool("computer", {{"action", "cursor_position"}, {"session_id", "b"}});
  ASSERT_NE(a["isError"], true) << a.dump();
  ASSERT_NE(b["isError"], true) << b.dump();
  auto sessions = stats(server)["sessions"];
  ASSERT_EQ(sessions["a"]["computer"], "cua-1");
  ASSERT_EQ(sessions["b"]["computer"], "cua-2");

  first.stop();
  auto failed = server.call_tool("computer", {{"action", "left_click"}, {"coordinate", {5, 5}},
                                              {"session_id", "a"}});
  EXPECT_EQ(failed["isError"], true);
  EXPECT_NE(text_of(failed).find("the computer at " + first.url() + " failed 3 attempts to connect"),
            std::string::npos)
    << text_of(failed);
  auto still = server.call_tool("computer", {{"action", "left_click"}, {"coordinate", {5, 5}},
                                             {"session_id", "b"}});
  EXPECT_NE(still["isError"], true) << still.dump();
  EXPECT_EQ(stats(server)["pool"]["unavailable"], 1) << server.stderr_text();

  first.restart();
  server.call_tool("cleanup_session", {{"session_id", "a"}});
  json c;
  for (int i = 0; i < 50; ++i) { // the probe comes after --probe-interval
    c = server.call_tool("computer", {{"action", "cursor_position"}, {"session_id", "c"}});
    if (c["isError"] != true)
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(c["isError"], true) << c.dump();
  EXPECT_EQ(stats(server)["sessions"]["c"]["computer"], "cua-1");
  EXPECT_EQ(stats(server)["pool"]["unavailable"], 0);
}

TEST(cua_backend, the_api_key_authenticates_and_is_never_logged) {
  fake_cua_server::options o;
  o.api_key = "sk-cua-e2e-secret-789";
  o.container_name = "box";
  fake_cua_server fake(o);
  server_process server(cua_args({"box=" + fake.url()}, {"--log-level", "debug"}),
                        {"CUA_API_KEY=sk-cua-e2e-secret-789"});
  server.initialize();
  auto shot = server.call_tool("screenshot_cua");
  ASSERT_NE(shot["isError"], true) << shot.dump();
  EXPECT_EQ(fake.received().at(0).frame["command"], "authenticate");
  EXPECT_EQ(server.stderr_text().find("sk-cua-e2e-secret-789"), std::string::npos);

  server_process refused(cua_args({"box=" + fake.url()}), {"CUA_API_KEY=sk-wrong"});
  refused.initialize();
  auto denied = refused.call_tool("screenshot_cua");
  EXPECT_EQ(denied["isError"], true);
  EXPECT_NE(text_of(denied).find("refused the API key"), std::string::npos) << text_of(denied);
  EXPECT_EQ(refused.stderr_text().find("sk-wrong"), std::string::npos);
}

TEST(cua_backend, bad_flags_are_refused_before_serving_with_the_reason) {
  auto refused_with = [](std::vector<std::string> args, const std::string& words,
                         std::vector<std::string> env = {}) {
    server_process server(std::move(args), std::move(env));
    auto code = server.wait_exit(5s);
    ASSERT_TRUE(code);
    EXPECT_NE(*code, 0);
    EXPECT_NE(server.stderr_text().find(words), std::string::npos) << server.stderr_text();
  };
  refused_with({"--backend", "cua"}, "needs at least one --cua-url");
  refused_with({"--backend", "sim", "--cua-url", "http://h:8000"}, "need --backend cua");
  refused_with({"--backend", "cua", "--cua-url", "h:8000"}, "expected a URL");
  refused_with({"--backend", "cua", "--cua-url", "http://10.0.0.1:8000"}, "NAME=URL",
               {"CUA_API_KEY=k"});
}
