// Real model providers through the built server, against loopback servers that speak each
// provider's wire format and replay scripted conversations.

#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "tests/support/fake_http_server.hpp"

using namespace cua::test;
using nlohmann::json;
using reply = fake_http_server::reply;

namespace {

constexpr const char* secret = "sk-ant-SECRET-4242";

std::string anthropic_reply(json content, const char* stop = "tool_use") {
  return json{{"content", content}, {"stop_reason", stop},
              {"usage", {{"input_tokens", 100}, {"output_tokens", 10}}}}.dump();
}

json tool_use(const std::string& id, json input) {
  return {{"type", "tool_use"}, {"id", id}, {"name", "computer"}, {"input", input}};
}

json text(const std::string& t) {
  return {{"type", "text"}, {"text", t}};
}

int images_in(const json& body) {
  int n = 0;
  for (const auto& m : body["messages"])
    if (m["content"].is_array())
      for (const auto& block : m["content"]) {
        if (block.value("type", "") == "image")
          ++n;
        if (block.contains("content") && block["content"].is_array())
          for (const auto& inner : block["content"])
            n += inner.value("type", "") == "image" ? 1 : 0;
      }
  return n;
}

std::vector<std::string> anthropic_args(const std::string& extra_model = "claude-test") {
  return {"--backend", "sim", "--model", "anthropic/" + extra_model, "--settle-ms", "0",
          "--log-level", "debug", "--model-backoff-ms", "10", "--max-images", "1"};
}

} // namespace

TEST(providers, anthropic_runs_the_loop_and_keeps_its_key_secret) {
  fake_http_server model;
  model.script({200, anthropic_reply({text("Looking."), tool_use("t1", {{"action", "screenshot"}})}), {}});
  model.script({200, anthropic_reply({tool_use("t2", {{"action", "left_click"}, {"coordinate", {10, 20}}}),
                                      tool_use("t3", {{"action", "fly"}})}), {}});
  model.script({500, R"({"error":{"message":"overloaded"}})", {}}); // retried
  model.script({200, anthropic_reply(json::array({text("All done.")}), "end_turn"), {}});
  server_process server(anthropic_args(), {"ANTHROPIC_BASE_URL=" + model.url(),
                                           std::string("ANTHROPIC_API_KEY=") + secret});
  server.initialize();
  server.request("logging/setLevel", {{"level", "info"}});
  auto result = server.call_tool("run_cua_task", {{"task", "click it"}}, std::chrono::seconds(30));
  EXPECT_EQ(text_of(result), "All done.");
  server.request("ping"); // lets log notifications that trail the result arrive
  bool logged = false;
  for (const auto& n : server.notifications())
    logged = logged || (n["method"] == "notifications/message"
                        && n["params"]["data"].get<std::string>().find("Looking.") != std::string::npos);
  EXPECT_TRUE(logged) << "the model's text did not reach the client's log";
  EXPECT_EQ(result["structuredContent"]["steps"], 3);
  EXPECT_EQ(result["structuredContent"]["input_tokens"], 300);
  auto requests = model.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.path, "/v1/messages");
    EXPECT_EQ(r.headers.at("x-api-key"), secret);
    EXPECT_EQ(r.headers.at("anthropic-beta"), "computer-use-2025-01-24");
  }
  auto last = json::parse(requests.back().body);
  EXPECT_EQ(last["tools"][0]["display_width_px"], 1280);
  EXPECT_LE(images_in(last), 1); // --max-images 1
  EXPECT_EQ(images_in(json::parse(requests[1].body)), 1);
  // The unknown action went back to the model as an error result, and the task went on.
  auto results = last["messages"][4]["content"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1]["is_error"], true);
  EXPECT_NE(results[1]["content"][0]["text"].get<std::string>().find("unknown action"), std::string::npos);
  // The key appears nowhere the user or a log reader can see.
  EXPECT_EQ(result.dump().find(secret), std::string::npos);
  server.close_stdin();
  server.wait_exit(std::chrono::seconds(5));
  EXPECT_EQ(server.stderr_text().find(secret), std::string::npos);
  EXPECT_NE(server.stderr_text().find("HTTP 500; retry 1"), std::string::npos);
}

TEST(providers, openai_compatible_servers_drive_the_computer_function) {
  fake_http_server model;
  auto call = [](const std::string& id, json args) {
    return json{{"choices", {{{"message", {{"content", nullptr},
                                             {"tool_calls", {{{"id", id}, {"type", "function"},
                                                              {"function", {{"name", "computer"}, {"arguments", args.dump()}}}}}}}}}}},
                {"usage", {{"prompt_tokens", 5}, {"completion_tokens", 1}}}}.dump();
  };
  model.script({200, call("a", {{"action", "type"}, {"text", "hello"}}), {}});
  model.script({200, json{{"choices", {{{"message", {{"content", "Typed hello."}}}}}}}.dump(), {}});
  server_process server({"--backend", "sim", "--model", "openai/local-model", "--settle-ms", "0"},
                        {"OPENAI_BASE_URL=" + model.url() + "/v1", "OPENAI_API_KEY="});
  server.initialize();
  auto result = server.call_tool("run_cua_task", {{"task", "type hello"}}, std::chrono::seconds(30));
  EXPECT_EQ(text_of(result), "Typed hello.");
  auto requests = model.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].headers.count("authorization"), 0u); // a local server without a key
  auto second = json::parse(requests[1].body);
  EXPECT_EQ(second["model"], "local-model");
  auto image_message = second["messages"].back();
  EXPECT_EQ(image_message["role"], "user");
  EXPECT_EQ(image_message["content"][1]["image_url"]["url"].get<std::string>().rfind("data:image/png;base64,", 0), 0u);
}

TEST(providers, a_refused_key_and_a_malformed_reply_are_clear_task_errors) {
  fake_http_server model;
  model.script({401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})", {}});
  model.script({200, "<html>oops</html>", {}});
  server_process server(anthropic_args(), {"ANTHROPIC_BASE_URL=" + model.url(), "ANTHROPIC_API_KEY=bad"});
  server.initialize();
  auto refused = server.call_tool("run_cua_task", {{"task", "x"}});
  EXPECT_EQ(refused["isError"], true);
  EXPECT_NE(text_of(refused).find("refused the API key in ANTHROPIC_API_KEY"), std::string::npos) << text_of(refused);
  auto malformed = server.call_tool("run_cua_task", {{"task", "x"}});
  EXPECT_EQ(malformed["isError"], true);
  EXPECT_NE(text_of(malformed).find("<html>oops"), std::string::npos) << text_of(malformed);
  EXPECT_EQ(server.request("ping")["result"], json::object()); // and the server goes on
}

TEST(providers, cancelling_a_task_aborts_the_model_call_under_way) {
  fake_http_server model;
  model.script({0, "", {}, reply::behaviour::hang});
  server_process server(anthropic_args(), {"ANTHROPIC_BASE_URL=" + model.url(), "ANTHROPIC_API_KEY=k"});
  server.initialize();
  auto id = server.start_request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "x"}}}});
  for (int i = 0; i < 100 && model.requests().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(model.requests().size(), 1u);
  server.send({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", id}}}});
  for (int i = 0; i < 50 && model.abandoned() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(model.abandoned(), 1); // the HTTP call was dropped within a second
  EXPECT_EQ(server.request("ping")["result"], json::object());
}

TEST(providers, sampling_runs_the_task_on_the_clients_own_model) {
  server_process server({"--backend", "sim", "--model", "sampling", "--settle-ms", "0"});
  server.initialize("2025-11-25", {{"sampling", {{"tools", json::object()}}}});
  auto id = server.start_request("tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", "click"}}}});
  std::vector<json> asked;
  json response;
  for (int i = 0; i < 50 && response.is_null(); ++i) {
    auto message = server.next_message(std::chrono::seconds(10));
    ASSERT_TRUE(message);
    if (message->value("method", "") == "sampling/createMessage") {
      asked.push_back((*message)["params"]);
      json result = asked.size() == 1
                      ? json{{"role", "assistant"}, {"model", "client-model"}, {"stopReason", "toolUse"},
                             {"content", {{{"type", "tool_use"}, {"id", "s1"}, {"name", "computer"},
                                           {"input", {{"action", "left_click"}, {"coordinate", {3, 4}}}}}}}}
                      : json{{"role", "assistant"}, {"model", "client-model"}, {"stopReason", "endTurn"},
                             {"content", {{"type", "text"}, {"text", "Clicked."}}}};
      server.send({{"jsonrpc", "2.0"}, {"id", (*message)["id"]}, {"result", result}});
    } else if (message->contains("id") && (*message)["id"] == id) {
      response = *message;
    }
  }
  EXPECT_EQ(text_of(response["result"]), "Clicked.");
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0]["tools"][0]["name"], "computer");
  EXPECT_EQ(asked[0]["tools"][0]["inputSchema"]["required"][0], "action");
  auto results = asked[1]["messages"][2]["content"];
  EXPECT_EQ(results[0]["type"], "tool_result");
  EXPECT_EQ(results[0]["toolUseId"], "s1");
  EXPECT_EQ(results[0]["content"].back()["type"], "image");
}

TEST(providers, sampling_without_the_clients_consent_is_a_clear_error) {
  server_process server({"--backend", "sim", "--model", "sampling"});
  server.initialize(); // no sampling capability
  auto result = server.call_tool("run_cua_task", {{"task", "x"}});
  EXPECT_EQ(result["isError"], true);
  EXPECT_NE(text_of(result).find("did not declare the sampling capability"), std::string::npos) << text_of(result);
  server_process no_tools({"--backend", "sim", "--model", "sampling"});
  no_tools.initialize("2025-11-25", {{"sampling", json::object()}});
  auto refused = no_tools.call_tool("run_cua_task", {{"task", "x"}});
  EXPECT_NE(text_of(refused).find("sampling.tools"), std::string::npos) << text_of(refused);
}

TEST(providers, a_model_endpoint_that_hangs_fails_its_task_in_bounded_time_and_no_other) {
  fake_http_server model;
  model.script({0, "", {}, reply::behaviour::hang});
  model.script({0, "", {}, reply::behaviour::hang}); // the retry hangs too
  auto args = anthropic_args();
  args.insert(args.end(), {"--model-timeout", "1", "--model-retries", "1"});
  server_process server(args, {"ANTHROPIC_BASE_URL=" + model.url(), "ANTHROPIC_API_KEY=k"});
  server.initialize();
  auto start = std::chrono::steady_clock::now();
  auto id = server.start_request("tools/call", {{"name", "run_cua_task"},
                                                {"arguments", {{"task", "x"}, {"session_id", "stuck"}}}});
  // While the model hangs, another session is served at once.
  auto shot = server.call_tool("screenshot_cua", {{"session_id", "other"}}, std::chrono::seconds(1));
  EXPECT_EQ(shot["content"][0]["type"], "image");
  auto result = server.wait_response(id, std::chrono::seconds(10))["result"];
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result["isError"], true);
  EXPECT_NE(text_of(result).find("no answer within 1 s"), std::string::npos) << text_of(result);
  EXPECT_LT(took, std::chrono::seconds(6)); // two 1 s attempts and a 10 ms backoff
  EXPECT_EQ(model.requests().size(), 2u);
  EXPECT_EQ(server.request("ping")["result"], json::object());
}

TEST(providers, a_model_endpoint_that_drops_the_connection_is_retried_then_fails_clearly) {
  fake_http_server model;
  model.script({0, "", {}, reply::behaviour::drop});
  model.script({200, anthropic_reply(json::array({text("Recovered.")}), "end_turn"), {}});
  model.script({0, "", {}, reply::behaviour::drop});
  model.script({0, "", {}, reply::behaviour::drop});
  auto args = anthropic_args();
  args.insert(args.end(), {"--model-retries", "1"});
  server_process server(args, {"ANTHROPIC_BASE_URL=" + model.url(), "ANTHROPIC_API_KEY=k"});
  server.initialize();
  // One drop: the retry gets the answer.
  auto recovered = server.call_tool("run_cua_task", {{"task", "x"}});
  EXPECT_EQ(text_of(recovered), "Recovered.");
  // Drops past the retries: a clear error, and the server goes on.
  auto failed = server.call_tool("run_cua_task", {{"task", "x"}});
  EXPECT_EQ(failed["isError"], true);
  EXPECT_NE(text_of(failed).find("could not be reached"), std::string::npos) << text_of(failed);
  EXPECT_EQ(model.requests().size(), 4u);
  EXPECT_EQ(server.call_tool("get_session_stats")["structuredContent"]["total_sessions"], 1);
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(5)), 0);
  EXPECT_NE(server.stderr_text().find("retry 1 of 1"), std::string::npos);
}
