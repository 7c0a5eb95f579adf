#include "mcp/bridge_actor.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "actors/supervisor_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/actors/replay_file.hpp"
#include "tests/actors/served_tools.hpp"

using namespace cua;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

class bridge_actor_test : public test::deterministic {
protected:
  void SetUp() override {
    supervisor_ = sim_supervisor(script_.model());
    start_bridge(supervisor_);
  }

  /// Starts the bridge under test (again) with `supervisor` behind it.
  void start_bridge(supervisor_api supervisor) {
    auto writer = own(test::spawn_line_recorder(sys(), lines_));
    tool_services services;
    services.supervisor = supervisor;
    services.default_session_id = "default";
    bridge_ = own(sys().spawn(bridge_actor, writer, services, test::served_tools()));
  }

  /// Sends one line as the client and returns what the bridge wrote in answer.
  std::vector<json> send(const std::string& line) {
    auto before = lines_->size();
    caf::anon_send(bridge_, line_atom::value, line);
    run();
    std::vector<json> out;
    for (auto i = before; i < lines_->size(); ++i)
      out.push_back(json::parse((*lines_)[i]));
    return out;
  }

  json request(int id, const std::string& method, json params = json::object()) {
    auto out = send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    EXPECT_EQ(out.size(), 1u) << method;
    return out.empty() ? json{} : out.back();
  }

  void initialize(const std::string& version = "2025-11-25") {
    auto r = request(0, "initialize", {{"protocolVersion", version}, {"capabilities", json::object()},
                                       {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
    ASSERT_EQ(r["result"]["protocolVersion"], version);
  }

  test::replay_file script_{test::minute_long_script};
  supervisor_api supervisor_;
  caf::actor bridge_;
  std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
};

} // namespace

TEST_F(bridge_actor_test, answers_ping_before_initialize_and_refuses_other_requests) {
  EXPECT_EQ(request(1, "ping")["result"], json::object());
  auto r = request(2, "tools/list");
  EXPECT_EQ(r["error"]["code"], -32600);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("initialize"), std::string::npos);
}

TEST_F(bridge_actor_test, negotiates_the_protocol_version) {
  auto r = request(1, "initialize", {{"protocolVersion", "2031-01-01"}, {"capabilities", json::object()}});
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-11-25");
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "cua-mcp-server");
  EXPECT_EQ(request(2, "initialize", {{"protocolVersion", "2025-06-18"}})["error"]["code"], -32600);
  EXPECT_EQ(request(3, "initialize", json::object())["error"]["code"], -32602);
}

TEST_F(bridge_actor_test, survives_an_initialize_with_odd_client_info) {
  auto r = request(1, "initialize", {{"protocolVersion", "2025-06-18"}, {"clientInfo", "x"}});
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(request(2, "ping")["result"], json::object());
  EXPECT_EQ(request(3, "tools/list")["result"]["tools"].size(), 6u);
}

TEST_F(bridge_actor_test, lists_tools_as_the_negotiated_version_knows_them) {
  initialize("2024-11-05");
  auto tools = request(1, "tools/list")["result"]["tools"];
  ASSERT_EQ(tools.size(), 6u);
  for (const auto& t : tools) {
    EXPECT_FALSE(t.contains("annotations"));
    EXPECT_FALSE(t.contains("outputSchema"));
    EXPECT_TRUE(t.contains("inputSchema"));
  }
}

TEST_F(bridge_actor_test, maps_protocol_faults_to_json_rpc_errors) {
  initialize();
  auto garbage = send("{not json");
  ASSERT_EQ(garbage.size(), 1u);
  EXPECT_EQ(garbage[0]["error"]["code"], -32700);
  EXPECT_TRUE(garbage[0]["id"].is_null());
  auto envelope = send(R"({"jsonrpc":"2.0","id":5,"method":7})");
  EXPECT_EQ(envelope[0]["error"]["code"], -32600);
  EXPECT_EQ(envelope[0]["id"], 5);
  EXPECT_EQ(request(6, "prompts/get")["error"]["code"], -32601);
  EXPECT_EQ(request(7, "tools/call", {{"name", "no_such_tool"}})["error"]["code"], -32602);
  EXPECT_EQ(request(8, "tools/call", json::object())["error"]["code"], -32602);
  EXPECT_EQ(request(9, "logging/setLevel", {{"level", "loud"}})["error"]["code"], -32602);
  EXPECT_EQ(request(10, "logging/setLevel", {{"level", "debug"}})["result"], json::object());
  EXPECT_TRUE(send(R"({"jsonrpc":"2.0","method":"notifications/whatever"})").empty());
  caf::anon_send(bridge_, oversize_atom::value, uint64_t{20'000'000});
  run();
  auto over = json::parse(lines_->back());
  EXPECT_EQ(over["error"]["code"], -32600);
  EXPECT_NE(over["error"]["message"].get<std::string>().find("20000000"), std::string::npos);
}

TEST_F(bridge_actor_test, bad_tool_arguments_are_tool_errors_not_protocol_errors) {
  initialize();
  auto r = request(1, "tools/call", {{"name", "run_cua_task"}, {"arguments", {{"task", 3}}}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("\"task\" must be a string"),
            std::string::npos);
}

TEST_F(bridge_actor_test, a_cancelled_call_gets_no_response_and_its_task_stops) {
  initialize();
  auto started = send(json{{"jsonrpc", "2.0"}, {"id", 42}, {"method", "tools/call"},
                           {"params", {{"name", "run_cua_task"}, {"arguments", {{"task", "wait"}}}}}}
                        .dump());
  EXPECT_TRUE(started.empty()); // the task waits a minute of virtual time
  auto stats = ask<stats_report>(supervisor_, stats_atom::value, std::string{});
  run();
  ASSERT_EQ(stats->value->sessions.size(), 1u);
  EXPECT_EQ(stats->value->sessions[0].active_tasks, 1);
  EXPECT_TRUE(send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42}})").empty());
  advance(120s);
  for (const auto& line : *lines_)
    EXPECT_NE(json::parse(line).value("id", json{}), 42) << line; // nothing answers request 42
  stats = ask<stats_report>(supervisor_, stats_atom::value, std::string{});
  run();
  EXPECT_EQ(stats->value->sessions[0].active_tasks, 0);
}

TEST_F(bridge_actor_test, a_request_id_in_flight_cannot_be_reused) {
  initialize();
  auto call = json{{"jsonrpc", "2.0"}, {"id", "dup"}, {"method", "tools/call"},
                   {"params", {{"name", "run_cua_task"}, {"arguments", {{"task", "wait"}}}}}}
                .dump();
  EXPECT_TRUE(send(call).empty());
  auto second = send(call);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["error"]["code"], -32600);
  advance(61s);
  auto done = json::parse(lines_->back());
  EXPECT_EQ(done["id"], "dup");
  EXPECT_EQ(done["result"]["content"][0]["text"], "finished");
}

TEST_F(bridge_actor_test, routes_client_responses_to_server_requests) {
  initialize();
  auto answer = ask<json>(bridge_, client_req_atom::value, std::string{"roots/list"},
                          json::object());
  run();
  auto sent = json::parse(lines_->back());
  EXPECT_EQ(sent["method"], "roots/list");
  ASSERT_TRUE(sent["id"].is_string());
  EXPECT_FALSE(answer->done);
  send(json{{"jsonrpc", "2.0"}, {"id", sent["id"]}, {"result", {{"roots", json::array()}}}}.dump());
  ASSERT_TRUE(answer->value);
  EXPECT_EQ((*answer->value)["roots"], json::array());
  auto refused = ask<json>(bridge_, client_req_atom::value, std::string{"roots/list"},
                           json::object());
  run();
  auto second = json::parse(lines_->back());
  EXPECT_NE(second["id"], sent["id"]);
  send(json{{"jsonrpc", "2.0"}, {"id", second["id"]}, {"error", {{"code", -1}, {"message", "no"}}}}.dump());
  ASSERT_TRUE(refused->done);
  EXPECT_NE(describe(refused->error).find("no"), std::string::npos);
}

TEST_F(bridge_actor_test, forwards_logs_at_or_above_the_clients_level) {
  initialize();
  request(1, "logging/setLevel", {{"level", "error"}});
  auto before = lines_->size();
  caf::anon_send(bridge_, log_atom::value, int32_t{2}, std::string{"cua"}, std::string{"info line"});
  caf::anon_send(bridge_, log_atom::value, int32_t{4}, std::string{"cua"}, std::string{"error line"});
  run();
  ASSERT_EQ(lines_->size(), before + 1);
  auto note = json::parse(lines_->back());
  EXPECT_EQ(note["method"], "notifications/message");
  EXPECT_EQ(note["params"]["level"], "error");
  EXPECT_EQ(note["params"]["data"], "error line");
}

TEST_F(bridge_actor_test, answers_a_batch_with_one_array_once_every_member_is_done) {
  initialize("2025-03-26");
  auto out = send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},
                      {"jsonrpc":"2.0","method":"notifications/initialized"},
                      {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run_cua_task","arguments":{"task":"wait"}}},
                      {"jsonrpc":"2.0","id":3,"method":"nope"},
                      {"jsonrpc":"1.0"}])");
  EXPECT_TRUE(out.empty()); // the tool call still runs: nothing is written yet
  advance(61s);
  auto answer = json::parse(lines_->back());
  ASSERT_TRUE(answer.is_array()) << answer.dump();
  ASSERT_EQ(answer.size(), 4u); // the notification gets none
  std::set<json> ids;
  for (const auto& r : answer)
    ids.insert(r["id"]);
  EXPECT_EQ(ids, (std::set<json>{1, 2, 3, nullptr}));
  for (const auto& r : answer) {
    if (r["id"] == 2) {
      EXPECT_EQ(r["result"]["content"][0]["text"], "finished");
    }
  }
  // Outside a batch, answers are single objects again.
  EXPECT_TRUE(request(4, "ping").is_object());
}

TEST_F(bridge_actor_test, refuses_batches_in_versions_without_them) {
  initialize("2025-06-18");
  auto out = send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["error"]["code"], -32600);
}

TEST_F(bridge_actor_test, a_quick_call_runs_on_the_bridge_and_is_bounded_by_the_query_timeout) {
  // A supervisor that keeps stats requests unanswered until told to answer them.
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  auto silent = own(sys().spawn([=](caf::event_based_actor* self) -> caf::behavior {
    return {
      [=](stats_atom, const std::string&) -> caf::result<stats_report> {
        held->push_back(self->make_response_promise());
        return caf::delegated<stats_report>{};
      },
      [=](flush_atom) {
        for (auto& promise : *held)
          promise.deliver(stats_report{});
        held->clear();
      },
    };
  }));
  start_bridge(caf::actor_cast<supervisor_api>(silent)); // a fake that answers stats only
  initialize();
  auto stats_call = [](int id) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"},
                {"params", {{"name", "get_session_stats"}, {"arguments", json::object()}}}}
      .dump();
  };
  EXPECT_TRUE(send(stats_call(1)).empty());
  EXPECT_EQ(held->size(), 1u);
  advance(5s);
  EXPECT_TRUE(send(stats_call(2)).empty());
  // Call 1 is answered with an error once its 10 s are up; call 2 still waits.
  auto before = lines_->size();
  advance(6s);
  ASSERT_EQ(lines_->size(), before + 1);
  auto timed_out = json::parse(lines_->back());
  EXPECT_EQ(timed_out["id"], 1);
  EXPECT_EQ(timed_out["result"]["isError"], true);
  EXPECT_NE(timed_out["result"]["content"][0]["text"].get<std::string>().find("within 10 s"),
            std::string::npos);
  // Call 3 is cancelled. The late answers come: call 2 gets its own; 1 and 3 get nothing more.
  EXPECT_TRUE(send(stats_call(3)).empty());
  EXPECT_TRUE(send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})").empty());
  caf::anon_send(silent, flush_atom::value);
  run();
  ASSERT_EQ(lines_->size(), before + 2);
  auto answered = json::parse(lines_->back());
  EXPECT_EQ(answered["id"], 2);
  EXPECT_FALSE(answered["result"].value("isError", false));
  EXPECT_EQ(answered["result"]["structuredContent"]["total_sessions"], 0);
  // Nothing else is written later, and nothing of the three calls is kept.
  advance(30s);
  EXPECT_EQ(lines_->size(), before + 2);
  auto* bridge = caf::actor_cast<caf::abstract_actor*>(bridge_);
  const auto& state = static_cast<caf::stateful_actor<bridge_state>*>(bridge)->state;
  EXPECT_TRUE(state.calls.empty());
  EXPECT_TRUE(state.quick->empty());
}

TEST_F(bridge_actor_test, a_screen_subscription_announces_changes_and_an_unsubscribe_that_overtakes_it_wins) {
  initialize();
  auto line = [](int id, const std::string& method, json params) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
  };
  auto updates = [this] {
    int n = 0;
    for (const auto& text : *lines_)
      n += json::parse(text).value("method", "") == "notifications/resources/updated" ? 1 : 0;
    return n;
  };
  auto click = [&](int id, int x) {
    send(line(id, "tools/call", {{"name", "computer"},
                                 {"arguments", {{"action", "left_click"}, {"coordinate", {x, 40}},
                                                {"session_id", "w"}, {"screenshot", false}}}}));
    advance(std::chrono::seconds(1));
  };
  const std::string uri = "cua://sessions/w/screen";
  send(line(1, "tools/call", {{"name", "computer"}, {"arguments", {{"action", "cursor_position"}, {"session_id", "w"}}}}));
  // Unsubscribed before the subscription's session was even found: no watcher starts.
  caf::anon_send(bridge_, line_atom::value, line(2, "resources/subscribe", {{"uri", uri}}));
  caf::anon_send(bridge_, line_atom::value, line(3, "resources/unsubscribe", {{"uri", uri}}));
  run();
  advance(std::chrono::seconds(1));
  click(4, 100);
  EXPECT_EQ(updates(), 0);
  // Subscribed: a change is announced once, and quiet is not.
  EXPECT_TRUE(request(5, "resources/subscribe", {{"uri", uri}})["result"].is_object());
  advance(std::chrono::seconds(1));
  click(6, 300);
  EXPECT_EQ(updates(), 1);
  advance(std::chrono::seconds(3));
  EXPECT_EQ(updates(), 1);
}
