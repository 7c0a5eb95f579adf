// Every tool through the built server, as an MCP client uses them.

#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "util/base64.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

const char* typing_script = R"({"text":"Looking.","actions":[{"action":"screenshot"}]}
{"text":"Typing.","actions":[{"action":"left_click","coordinate":[100,200]},{"action":"type","text":"hi"}]}
{"text":"Done: typed hi."}
)";

std::vector<std::string> args_with(const std::string& script, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--backend", "sim", "--model", "replay:" + script, "--settle-ms", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

json stats(server_process& server) {
  return server.call_tool("get_session_stats")["structuredContent"];
}

} // namespace

TEST(tools, screenshot_returns_a_png_of_the_screen) {
  server_process server({"--backend", "sim", "--screen", "1024x768"});
  server.initialize();
  auto result = server.call_tool("screenshot_cua");
  ASSERT_EQ(result["content"].size(), 1u);
  EXPECT_EQ(result["content"][0]["type"], "image");
  EXPECT_EQ(result["content"][0]["mimeType"], "image/png");
  EXPECT_EQ(png_size(result["content"][0]["data"]), std::make_pair(1024, 768));
  EXPECT_FALSE(result.contains("isError"));
}

TEST(tools, calls_without_session_id_share_one_default_session) {
  server_process server({"--backend", "sim"});
  server.initialize();
  for (int i = 0; i < 3; ++i)
    server.call_tool("screenshot_cua");
  auto s = stats(server);
  ASSERT_EQ(s["total_sessions"], 1);
  auto session = s["sessions"].begin().value();
  EXPECT_EQ(session["is_default"], true);
  EXPECT_EQ(session["state"], "ready");
  EXPECT_EQ(s["pool"]["in_use"], 1);
}

TEST(tools, run_cua_task_reports_progress_and_returns_answer_and_screenshot) {
  server_process server(args_with(write_replay_script(typing_script)));
  server.initialize();
  auto response = server.request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "type hi"}}}},
                                 20s, {{"progressToken", "tok"}});
  auto result = response["result"];
  EXPECT_EQ(text_of(result), "Done: typed hi.");
  EXPECT_EQ(result["content"][1]["type"], "image");
  EXPECT_EQ(result["structuredContent"]["steps"], 3);
  EXPECT_EQ(result["structuredContent"]["actions"], 3);
  EXPECT_EQ(result["structuredContent"]["stop_reason"], "completed");
  // No base64 in any text.
  EXPECT_EQ(text_of(result).find("iVBOR"), std::string::npos);
  double last = 0;
  int count = 0;
  bool saw_click = false;
  for (const auto& n : server.notifications()) {
    if (n["method"] != "notifications/progress")
      continue;
    EXPECT_EQ(n["params"]["progressToken"], "tok");
    EXPECT_GT(n["params"]["progress"].get<double>(), last);
    last = n["params"]["progress"].get<double>();
    saw_click = saw_click || n["params"]["message"].get<std::string>().find("left_click (100, 200)") != std::string::npos;
    ++count;
  }
  EXPECT_GE(count, 4);
  EXPECT_TRUE(saw_click);
}

TEST(tools, concurrent_multi_tasks_run_on_fresh_sessions_in_input_order) {
  server_process server(args_with(write_replay_script(typing_script)));
  server.initialize();
  auto result = server.call_tool("run_multi_cua_tasks", {{"tasks", {"one", "two", "three"}}, {"concurrent", true}});
  auto results = result["structuredContent"]["results"];
  ASSERT_EQ(results.size(), 3u);
  std::set<std::string> sessions;
  const std::vector<std::string> names{"one", "two", "three"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i]["task"], names[i]);
    EXPECT_EQ(results[i]["ok"], true);
    sessions.insert(results[i]["session_id"].get<std::string>());
  }
  EXPECT_EQ(sessions.size(), 3u);
  const std::regex uuid_v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (const auto& id : sessions)
    EXPECT_TRUE(std::regex_match(id, uuid_v4)) << "a guessable session id: " << id;
  EXPECT_EQ(result["structuredContent"]["failed"], 0);
  EXPECT_NE(text_of(result).find("Task 1 (one): Done: typed hi."), std::string::npos);
  // The fresh sessions are gone once their tasks end.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(stats(server)["total_sessions"], 0);
}

TEST(tools, sequential_multi_tasks_share_the_session_and_a_failure_does_not_stop_the_rest) {
  // The script has one final turn: the first task uses it up, the second finds the script ended.
  server_process server(args_with(write_replay_script(R"({"text":"only answer"})")));
  server.initialize();
  auto result = server.call_tool("run_multi_cua_tasks", {{"tasks", {"first", "second"}}});
  auto results = result["structuredContent"]["results"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["ok"], true);
  EXPECT_EQ(results[1]["ok"], true); // each task gets a fresh model: the replay starts over
  EXPECT_EQ(results[0]["session_id"], results[1]["session_id"]);
}

TEST(tools, cleanup_session_ends_a_session_and_unknown_ids_are_tool_errors) {
  server_process server({"--backend", "sim"});
  server.initialize();
  server.call_tool("screenshot_cua", {{"session_id", "mine"}});
  auto result = server.call_tool("cleanup_session", {{"session_id", "mine"}});
  EXPECT_FALSE(result.contains("isError"));
  EXPECT_NE(text_of(result).find("Session mine cleaned up"), std::string::npos);
  EXPECT_NE(text_of(result).find("returned its computer"), std::string::npos);
  EXPECT_EQ(stats(server)["total_sessions"], 0);
  auto unknown = server.call_tool("cleanup_session", {{"session_id", "mine"}});
  EXPECT_EQ(unknown["isError"], true);
  EXPECT_NE(text_of(unknown).find("there is no session"), std::string::npos);
}

TEST(tools, twenty_concurrent_calls_across_ten_sessions_are_all_answered) {
  server_process server({"--backend", "sim", "--sim-latency-ms", "20"});
  server.initialize();
  std::vector<json> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(server.start_request(
      "tools/call", {{"name", "screenshot_cua"}, {"arguments", {{"session_id", "s" + std::to_string(i % 10)}}}}));
  for (const auto& id : ids) {
    auto response = server.wait_response(id);
    ASSERT_TRUE(response.contains("result")) << response.dump();
    EXPECT_EQ(response["result"]["content"][0]["type"], "image");
  }
  EXPECT_EQ(stats(server)["total_sessions"], 10);
}

TEST(tools, sessions_are_isolated) {
  auto script = write_replay_script(R"({"actions":[{"action":"left_click","coordinate":[50,50]}]}
{"text":"clicked"}
)");
  server_process server(args_with(script));
  server.initialize();
  auto before_b = server.call_tool("screenshot_cua", {{"session_id", "b"}})["content"][0]["data"];
  auto before_a = server.call_tool("screenshot_cua", {{"session_id", "a"}})["content"][0]["data"];
  EXPECT_NE(before_a, before_b); // each session has a computer of its own
  server.call_tool("run_cua_task", {{"task", "click"}, {"session_id", "a"}});
  auto after_a = server.call_tool("screenshot_cua", {{"session_id", "a"}})["content"][0]["data"];
  auto after_b = server.call_tool("screenshot_cua", {{"session_id", "b"}})["content"][0]["data"];
  EXPECT_NE(after_a, before_a);
  EXPECT_EQ(after_b, before_b);
}

TEST(tools, a_ping_is_answered_while_a_five_second_task_runs) {
  auto script = write_replay_script(R"({"actions":[{"action":"wait","duration":5}]}
{"text":"waited"}
)");
  server_process server(args_with(script));
  server.initialize();
  auto task = server.start_request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "wait"}}}});
  std::this_thread::sleep_for(300ms);
  auto start = std::chrono::steady_clock::now();
  auto pong = server.request("ping");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(pong["result"], json::object());
  auto done = server.wait_response(task, 15s);
  EXPECT_EQ(text_of(done["result"]), "waited");
}

TEST(tools, the_session_limit_refuses_at_once) {
  server_process server({"--backend", "sim", "--max-sessions", "2"});
  server.initialize();
  server.call_tool("screenshot_cua", {{"session_id", "a"}});
  server.call_tool("screenshot_cua", {{"session_id", "b"}});
  auto start = std::chrono::steady_clock::now();
  auto refused = server.call_tool("screenshot_cua", {{"session_id", "c"}});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(refused["isError"], true);
  EXPECT_NE(text_of(refused).find("--max-sessions 2"), std::string::npos);
  // Existing sessions are untouched.
  EXPECT_FALSE(server.call_tool("screenshot_cua", {{"session_id", "a"}}).contains("isError"));
}

TEST(tools, a_cancelled_call_gets_no_response_and_its_task_stops) {
  auto script = write_replay_script(R"({"actions":[{"action":"wait","duration":30}]}
{"text":"never"}
)");
  server_process server(args_with(script));
  server.initialize();
  auto id = server.start_request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "wait"}}}});
  std::this_thread::sleep_for(300ms);
  auto busy = stats(server);
  ASSERT_EQ(busy["total_sessions"], 1);
  EXPECT_EQ(busy["sessions"].begin().value()["active_tasks"], 1);
  server.send({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", id}, {"reason", "test"}}}});
  std::this_thread::sleep_for(300ms);
  auto idle = stats(server);
  EXPECT_EQ(idle["sessions"].begin().value()["active_tasks"], 0);
  for (const auto& r : server.stray_responses())
    EXPECT_NE(r["id"], id) << "the cancelled request was answered";
  EXPECT_FALSE(server.next_message(300ms)); // and nothing comes later either
}

TEST(tools, long_calls_get_progress_heartbeats) {
  auto script = write_replay_script(R"({"actions":[{"action":"wait","duration":1.2}]}
{"text":"done"}
)");
  server_process server(args_with(script, {"--progress-interval", "0.2"}));
  server.initialize();
  server.request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "wait"}}}}, 20s,
                 {{"progressToken", 7}});
  int heartbeats = 0;
  for (const auto& n : server.notifications())
    if (n["method"] == "notifications/progress"
        && n["params"]["message"].get<std::string>().find("still working") != std::string::npos)
      ++heartbeats;
  EXPECT_GE(heartbeats, 3);
}

TEST(tools, a_full_pool_makes_new_sessions_wait_then_fail_clearly) {
  server_process server({"--backend", "sim", "--pool-size", "1", "--acquire-timeout", "0.5"});
  server.initialize();
  server.call_tool("screenshot_cua", {{"session_id", "a"}});
  auto start = std::chrono::steady_clock::now();
  auto waited = server.call_tool("screenshot_cua", {{"session_id", "b"}});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(waited["isError"], true);
  EXPECT_NE(text_of(waited).find("--pool-size"), std::string::npos);
  EXPECT_EQ(stats(server)["pool"]["timed_out"], 1);
}

TEST(tools, an_exhausted_pool_under_load_refuses_past_its_bound_and_serves_the_queue_in_turn) {
  // Twelve clients, ten sessions allowed, three computers.
  server_process server({"--backend", "sim", "--pool-size", "3", "--max-sessions", "10", "--acquire-timeout", "1"});
  server.initialize();
  auto start = std::chrono::steady_clock::now();
  std::vector<json> ids;
  for (int i = 0; i < 12; ++i)
    ids.push_back(server.start_request("tools/call", {{"name", "screenshot_cua"},
                                                      {"arguments", {{"session_id", "load-" + std::to_string(i)}}}}));
  std::vector<std::string> holders;
  int waited_out = 0;
  int over_limit = 0;
  for (int i = 0; i < 12; ++i) {
    auto result = server.wait_response(ids[i], 5s)["result"];
    if (result["content"][0]["type"] == "image") {
      holders.push_back("load-" + std::to_string(i));
      continue;
    }
    EXPECT_EQ(result["isError"], true);
    if (text_of(result).find("--pool-size") != std::string::npos)
      ++waited_out;
    else if (text_of(result).find("--max-sessions 10") != std::string::npos)
      ++over_limit;
    else
      ADD_FAILURE() << "an unexpected answer: " << result.dump();
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(holders.size(), 3u);
  EXPECT_EQ(waited_out, 7);
  EXPECT_EQ(over_limit, 2);
  EXPECT_LT(took, 3s); // every waiter had its answer when its 1 s bound ran out
  auto s = stats(server);
  EXPECT_EQ(s["pool"]["in_use"], 3);
  EXPECT_EQ(s["pool"]["timed_out"], 7);
  EXPECT_EQ(s["total_sessions"], 3); // sessions that got no computer do not linger
  // A queued acquisition gets the computer a cleanup gives back, well inside its bound.
  auto waiter = server.start_request("tools/call", {{"name", "screenshot_cua"},
                                                    {"arguments", {{"session_id", "queued"}}}});
  std::this_thread::sleep_for(100ms);
  server.call_tool("cleanup_session", {{"session_id", holders[0]}});
  auto served = server.wait_response(waiter, 5s)["result"];
  EXPECT_EQ(served["content"][0]["type"], "image") << served.dump();
  EXPECT_EQ(stats(server)["pool"]["timed_out"], 7);
}

TEST(tools, the_model_comes_from_cua_model_name_when_no_flag_is_given) {
  auto script = write_replay_script(R"({"text":"from the environment"})");
  server_process server({"--backend", "sim", "--settle-ms", "0"}, {"CUA_MODEL_NAME=replay:" + script});
  server.initialize();
  EXPECT_EQ(text_of(server.call_tool("run_cua_task", {{"task", "x"}})), "from the environment");
  // A flag wins over the environment.
  auto other = write_replay_script(R"({"text":"from the flag"})");
  server_process flagged({"--backend", "sim", "--model", "replay:" + other}, {"CUA_MODEL_NAME=replay:" + script});
  flagged.initialize();
  EXPECT_EQ(text_of(flagged.call_tool("run_cua_task", {{"task", "x"}})), "from the flag");
}

TEST(tools, the_computer_tool_acts_and_shows_the_screen) {
  server_process server({"--backend", "sim"});
  server.initialize();
  auto before = server.call_tool("computer", {{"action", "screenshot"}});
  ASSERT_EQ(before["content"][1]["type"], "image");
  auto clicked = server.call_tool("computer", {{"action", "left_click"}, {"coordinate", {300, 200}}});
  // A simulated screen changes only when acted on: nothing to wait for, and the result says so.
  EXPECT_EQ(text_of(clicked), "left_click (300, 200) done; the screen settled after 0 ms");
  EXPECT_EQ(clicked["structuredContent"],
            (json{{"action", "left_click"}, {"settled", true}, {"settle_ms", 0}}));
  EXPECT_NE(clicked["content"][1]["data"], before["content"][1]["data"]);
  auto where = server.call_tool("computer", {{"action", "cursor_position"}});
  EXPECT_EQ(text_of(where), "X=300, Y=200");
  EXPECT_EQ(where["content"].size(), 1u);
  auto quiet = server.call_tool("computer", {{"action", "type"}, {"text", "hi"}, {"screenshot", false}});
  EXPECT_EQ(quiet["content"].size(), 2u); // the text and the structured content as text
  EXPECT_EQ(quiet["content"][0]["type"], "text");
  EXPECT_EQ(quiet["structuredContent"]["action"], "type");
  auto start = std::chrono::steady_clock::now();
  server.call_tool("computer", {{"action", "wait"}, {"duration", 0.3}});
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  auto outside = server.call_tool("computer", {{"action", "left_click"}, {"coordinate", {1280, 5}}});
  EXPECT_EQ(outside["isError"], true);
  EXPECT_NE(text_of(outside).find("outside the screenshot"), std::string::npos);
  auto unknown = server.call_tool("computer", {{"action", "fly"}});
  EXPECT_EQ(unknown["isError"], true);
  auto missing = server.call_tool("computer", {{"action", "left_click_drag"}, {"coordinate", {1, 1}}});
  EXPECT_NE(text_of(missing).find("start_coordinate"), std::string::npos);
  // Everything went to the default session.
  EXPECT_EQ(stats(server)["total_sessions"], 1);
}

TEST(tools, screenshots_come_as_jpeg_when_asked) {
  server_process server({"--backend", "sim"});
  server.initialize();
  auto jpeg = server.call_tool("screenshot_cua", {{"format", "jpeg"}});
  EXPECT_EQ(jpeg["content"][0]["mimeType"], "image/jpeg");
  auto bytes = cua::base64_decode(jpeg["content"][0]["data"]);
  ASSERT_TRUE(bytes && bytes->size() > 3);
  EXPECT_EQ((*bytes)[0], 0xff); // JPEG SOI marker
  EXPECT_EQ((*bytes)[1], 0xd8);
  auto bad = server.call_tool("screenshot_cua", {{"format", "gif"}});
  EXPECT_EQ(bad["isError"], true);
  auto via_computer = server.call_tool("computer", {{"action", "screenshot"}, {"format", "jpeg"}});
  EXPECT_EQ(via_computer["content"][1]["mimeType"], "image/jpeg");
}
