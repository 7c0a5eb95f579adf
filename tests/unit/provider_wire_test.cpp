#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/anthropic_provider.hpp"
#include "agent/openai_provider.hpp"
#include "messages/errors.hpp"

using namespace cua;
using nlohmann::json;

namespace {

provider_settings settings() {
  provider_settings s;
  s.model = "test-model";
  s.base_url = "http://127.0.0.1:9";
  s.api_key = "sk-test-secret";
  s.key_variable = "TEST_API_KEY";
  return s;
}

// A conversation of two rounds: a screenshot, then a click that failed and a click that worked.
model_request two_rounds() {
  model_request r;
  r.task = "open the menu";
  r.display_width = 1280;
  r.display_height = 800;
  encoded_image png;
  png.mime_type = "image/png";
  png.bytes = {1, 2, 3};
  agent_round first;
  first.turn.text = "Looking.";
  first.turn.actions = {{"c1", R"({"action":"screenshot"})"}};
  first.outputs = {{"c1", "", false, true, png}};
  agent_round second;
  second.turn.actions = {{"c2", R"({"action":"fly"})"}, {"c3", R"({"action":"left_click","coordinate":[5,6]})"}};
  second.outputs = {{"c2", "unknown action", true, false, {}}, {"c3", "", false, true, png}};
  r.history = {first, second};
  return r;
}

} // namespace

TEST(anthropic_wire, builds_a_messages_request_with_the_computer_tool) {
  auto http = anthropic_request(two_rounds(), settings());
  EXPECT_EQ(http.url, "http://127.0.0.1:9/v1/messages");
  EXPECT_NE(std::find(http.headers.begin(), http.headers.end(), "x-api-key: sk-test-secret"), http.headers.end());
  EXPECT_NE(std::find(http.headers.begin(), http.headers.end(), "anthropic-beta: computer-use-2025-01-24"),
            http.headers.end());
  auto body = json::parse(http.body);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["tools"][0]["type"], "computer_20250124");
  EXPECT_EQ(body["tools"][0]["display_width_px"], 1280);
  const auto& m = body["messages"];
  ASSERT_EQ(m.size(), 5u); // task, assistant, results, assistant, results
  EXPECT_EQ(m[0]["content"][0]["text"], "open the menu");
  EXPECT_EQ(m[1]["content"][0]["text"], "Looking.");
  EXPECT_EQ(m[1]["content"][1]["type"], "tool_use");
  EXPECT_EQ(m[1]["content"][1]["input"]["action"], "screenshot");
  EXPECT_EQ(m[2]["content"][0]["tool_use_id"], "c1");
  EXPECT_EQ(m[2]["content"][0]["content"][0]["type"], "image");
  EXPECT_EQ(m[2]["content"][0]["content"][0]["source"]["data"], "AQID");
  EXPECT_EQ(m[4]["content"].size(), 2u); // every tool call has its result
  EXPECT_EQ(m[4]["content"][0]["is_error"], true);
}

TEST(anthropic_wire, reads_text_tool_calls_and_usage) {
  http_response ok;
  ok.status = 200;
  ok.body = R"({"content":[{"type":"text","text":"Clicking."},{"type":"tool_use","id":"t1","name":"computer","input":{"action":"left_click","coordinate":[1,2]}}],
               "stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":3}})";
  auto turn = anthropic_turn(ok, settings());
  ASSERT_TRUE(turn);
  EXPECT_EQ(turn->text, "Clicking.");
  ASSERT_EQ(turn->actions.size(), 1u);
  EXPECT_EQ(turn->actions[0].call_id, "t1");
  EXPECT_EQ(json::parse(turn->actions[0].input_json)["coordinate"], json({1, 2}));
  EXPECT_EQ(turn->input_tokens, 10);
  http_response refused;
  refused.status = 401;
  refused.body = R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})";
  auto err = anthropic_turn(refused, settings());
  ASSERT_FALSE(err);
  auto text = describe(err.error());
  EXPECT_NE(text.find("refused the API key in TEST_API_KEY"), std::string::npos) << text;
  EXPECT_NE(text.find("invalid x-api-key"), std::string::npos);
  EXPECT_EQ(text.find("sk-test-secret"), std::string::npos);
  http_response garbage;
  garbage.status = 200;
  garbage.body = "<html>";
  EXPECT_FALSE(anthropic_turn(garbage, settings()));
}

TEST(openai_wire, builds_a_chat_request_with_a_computer_function_and_data_urls) {
  auto s = settings();
  auto http = openai_request(two_rounds(), s);
  EXPECT_EQ(http.url, "http://127.0.0.1:9/chat/completions");
  EXPECT_NE(std::find(http.headers.begin(), http.headers.end(), "authorization: Bearer sk-test-secret"),
            http.headers.end());
  auto body = json::parse(http.body);
  EXPECT_EQ(body["tools"][0]["function"]["name"], "computer");
  const auto& m = body["messages"];
  // system, task, assistant, tool, images, assistant, tool, tool, images
  ASSERT_EQ(m.size(), 9u);
  EXPECT_EQ(m[2]["tool_calls"][0]["function"]["arguments"], R"({"action":"screenshot"})");
  EXPECT_EQ(m[3]["role"], "tool");
  EXPECT_EQ(m[4]["role"], "user");
  EXPECT_EQ(m[4]["content"][1]["image_url"]["url"], "data:image/png;base64,AQID");
  EXPECT_EQ(m[6]["content"], "error: unknown action");
  s.api_key.clear(); // a local server without a key
  auto keyless = openai_request(two_rounds(), s);
  for (const auto& h : keyless.headers)
    EXPECT_EQ(h.find("authorization"), std::string::npos);
}

TEST(openai_wire, reads_tool_calls_and_errors) {
  http_response ok;
  ok.status = 200;
  ok.body = R"({"choices":[{"message":{"content":null,"tool_calls":[{"id":"x1","type":"function","function":{"name":"computer","arguments":"{\"action\":\"key\",\"text\":\"Return\"}"}}]}}],
               "usage":{"prompt_tokens":7,"completion_tokens":2}})";
  auto turn = openai_turn(ok, settings());
  ASSERT_TRUE(turn);
  ASSERT_EQ(turn->actions.size(), 1u);
  EXPECT_EQ(json::parse(turn->actions[0].input_json)["text"], "Return");
  EXPECT_EQ(turn->output_tokens, 2);
  http_response bad;
  bad.status = 400;
  bad.body = R"({"error":{"message":"model not found"}})";
  auto err = openai_turn(bad, settings());
  ASSERT_FALSE(err);
  EXPECT_NE(describe(err.error()).find("model not found"), std::string::npos);
}

TEST(provider_settings, a_missing_key_names_the_variable_to_set) {
  unsetenv("CUA_TEST_MISSING_KEY");
  auto s = provider_settings_from_env("m", "CUA_TEST_MISSING_KEY", "CUA_TEST_URL", "https://x");
  ASSERT_FALSE(s);
  EXPECT_NE(describe(s.error()).find("set CUA_TEST_MISSING_KEY"), std::string::npos);
  setenv("CUA_TEST_URL", "http://local/v1/", 1);
  auto local = provider_settings_from_env("m", "CUA_TEST_MISSING_KEY", "CUA_TEST_URL", "https://x", true);
  ASSERT_TRUE(local);
  EXPECT_EQ(local->base_url, "http://local/v1");
}
