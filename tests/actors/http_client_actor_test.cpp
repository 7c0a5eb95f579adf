#include "mcp/http_client_actor.hpp"
#include "mcp/task_registry_actor.hpp"

#include <nlohmann/json.hpp>

#include "actors/supervisor_actor.hpp"
#include "mcp/http_rules.hpp"
#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/actors/recorded_exchange.hpp"
#include "tests/actors/replay_file.hpp"
#include "tests/actors/served_tools.hpp"

using namespace cua;
using namespace std::chrono_literals;
using nlohmann::json;
using test::recorded_exchange;

namespace {

// Looks, then waits a minute of (virtual) time, then answers.
const char* slow_script = R"({"text":"looking","actions":[{"action":"screenshot"}]}
{"text":"waiting","actions":[{"action":"wait","duration":60}]}
{"text":"finished"}
)";

class http_client_actor_test : public test::deterministic {
protected:
  void SetUp() override {
    supervisor_ = sim_supervisor(script_.model());
    client_ = make_client("client-1");
    initialize(client_);
  }

  caf::actor make_client(const std::string& id, caf::actor tasks = {}) {
    http_client_config cfg;
    cfg.client_id = id;
    cfg.idle_timeout = 300s;
    cfg.keepalive_interval = 15s;
    cfg.max_pending = 3;
    auto ended = ended_;
    cfg.on_end = [ended](const std::string& gone) { ended->push_back(gone); };
    tool_services services;
    services.supervisor = supervisor_;
    auto bridge = test::served_tools();
    bridge.tasks = std::move(tasks);
    return own(sys().spawn(http_client_actor, cfg, services, bridge));
  }

  // POSTs `message` as the transport would, and returns the exchange it is answered on.
  std::shared_ptr<recorded_exchange> post(caf::actor client, const json& message) {
    auto exchange = std::make_shared<recorded_exchange>(next_exchange_++);
    auto reading = mcp_http_rules{}.read_post(message);
    http_post p;
    p.message = message;
    p.request_keys = reading.request_keys;
    p.progress_tokens = reading.progress_tokens;
    p.batch = reading.batch;
    if (!p.request_keys.empty())
      p.exchange = exchange;
    caf::anon_send(client, post_atom::value, std::move(p));
    run();
    return exchange;
  }

  json call(int id, const std::string& tool, json arguments = json::object(),
            json token = nullptr) {
    json params{{"name", tool}, {"arguments", arguments}};
    if (!token.is_null())
      params["_meta"] = {{"progressToken", token}};
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}};
  }

  void initialize(caf::actor client) {
    auto answer = post(client, {{"jsonrpc", "2.0"},
                                {"id", 0},
                                {"method", "initialize"},
                                {"params",
                                 {{"protocolVersion", "2025-11-25"},
                                  {"capabilities", json::object()},
                                  {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}});
    ASSERT_EQ(answer->status, 200);
    ASSERT_EQ(json::parse(answer->body)["result"]["protocolVersion"], "2025-11-25");
    post(client, {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  }

  stats_report stats(const std::string& client) {
    auto r = ask<stats_report>(supervisor_, stats_atom::value, client);
    run();
    EXPECT_TRUE(r->value) << describe(r->error);
    return r->value.value_or(stats_report{});
  }

  test::replay_file script_{slow_script};
  supervisor_api supervisor_;
  caf::actor client_;
  uint64_t next_exchange_ = 1;
  std::shared_ptr<std::vector<std::string>> ended_ = std::make_shared<std::vector<std::string>>();
};

} // namespace

TEST_F(http_client_actor_test, a_request_is_answered_on_its_own_post_as_json) {
  auto answer = post(client_, call(1, "screenshot_cua"));
  ASSERT_TRUE(answer->ended);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->content_type, "application/json");
  EXPECT_FALSE(answer->streaming);
  auto response = json::parse(answer->body);
  EXPECT_EQ(response["id"], 1);
  EXPECT_EQ(response["result"]["content"][0]["type"], "image");
  EXPECT_EQ(stats("client-1").sessions.size(), 1u); // its default session, its own
}

TEST_F(http_client_actor_test, progress_turns_the_post_into_a_stream_that_ends_with_the_response) {
  auto answer = post(client_, call(1, "run_cua_task", {{"task", "wait a minute"}}, "tok"));
  EXPECT_TRUE(answer->streaming);
  EXPECT_FALSE(answer->ended);
  ASSERT_FALSE(answer->events.empty());
  EXPECT_EQ(answer->events[0]["method"], "notifications/progress");
  EXPECT_EQ(answer->events[0]["params"]["progressToken"], "tok");
  advance(61s);
  ASSERT_TRUE(answer->ended);
  EXPECT_EQ(answer->status, 0); // ended as a stream, not answered whole
  EXPECT_EQ(answer->events.back()["id"], 1);
  EXPECT_EQ(answer->events.back()["result"]["structuredContent"]["text"], "finished");
  EXPECT_GE(answer->comments, 1); // keep-alives while the task waited
}

TEST_F(http_client_actor_test, a_dropped_connection_cancels_what_it_asked) {
  auto answer = post(client_, call(7, "run_cua_task", {{"task", "wait"}}));
  EXPECT_EQ(stats("client-1").sessions.at(0).active_tasks, 1);
  caf::anon_send(client_, hangup_atom::value, answer->id());
  run();
  EXPECT_EQ(stats("client-1").sessions.at(0).active_tasks, 0);
  advance(61s);
  EXPECT_FALSE(answer->ended); // nothing was sent to a peer that is gone
  // The client goes on.
  auto next = post(client_, {{"jsonrpc", "2.0"}, {"id", 8}, {"method", "ping"}});
  EXPECT_EQ(json::parse(next->body)["result"], json::object());
}

TEST_F(http_client_actor_test, server_messages_without_a_request_go_to_the_get_stream) {
  auto stream = std::make_shared<recorded_exchange>(100);
  caf::anon_send(client_, listen_atom::value, exchange_ptr{stream});
  run();
  EXPECT_TRUE(stream->streaming);
  // A reply that belongs to no request goes nowhere; the stream stays open.
  caf::anon_send(client_, write_atom::value,
                 outbound_line{R"({"jsonrpc":"2.0","method":"notifications/message","params":{}})",
                               {}, {}, 0});
  run();
  ASSERT_EQ(stream->events.size(), 1u);
  EXPECT_EQ(stream->events[0]["method"], "notifications/message");
  advance(16s);
  EXPECT_GE(stream->comments, 1);
  EXPECT_FALSE(stream->ended);
}

TEST_F(http_client_actor_test, too_many_requests_get_429_and_a_reused_id_409) {
  std::vector<std::shared_ptr<recorded_exchange>> waiting;
  for (int id = 1; id <= 3; ++id)
    waiting.push_back(post(client_, call(id, "run_cua_task", {{"task", "wait"}})));
  auto over = post(client_, call(4, "screenshot_cua"));
  EXPECT_EQ(over->status, 429);
  EXPECT_NE(json::parse(over->body)["error"]["message"].get<std::string>().find("at most 3"),
            std::string::npos);
  auto reused = post(client_, call(2, "screenshot_cua"));
  EXPECT_EQ(reused->status, 409);
  for (auto& w : waiting)
    EXPECT_FALSE(w->ended);
}

TEST_F(http_client_actor_test, ending_closes_its_sessions_answers_what_waits_and_tells_the_transport) {
  auto other = make_client("client-2");
  initialize(other);
  post(other, call(1, "screenshot_cua"));
  post(client_, call(1, "screenshot_cua", {{"session_id", "extra"}}));
  auto waiting = post(client_, call(2, "run_cua_task", {{"task", "wait"}}));
  EXPECT_EQ(stats("client-1").server_sessions, 3);
  caf::anon_send(client_, end_atom::value, std::string{"deleted"});
  run();
  ASSERT_TRUE(waiting->ended);
  EXPECT_EQ(waiting->status, 404);
  ASSERT_EQ(*ended_, std::vector<std::string>{"client-1"});
  EXPECT_EQ(stats("client-1").sessions.size(), 0u);
  EXPECT_EQ(stats("client-2").sessions.size(), 1u); // the other client keeps its own
  EXPECT_EQ(stats("client-2").server_sessions, 1);
}

TEST_F(http_client_actor_test, an_idle_client_ends_after_its_timeout_and_a_busy_one_does_not) {
  auto busy = make_client("client-2");
  initialize(busy);
  auto waiting = post(busy, call(1, "run_cua_task", {{"task", "wait"}}));
  post(client_, call(1, "screenshot_cua"));
  advance(200s);
  EXPECT_TRUE(ended_->empty());
  advance(120s);
  ASSERT_EQ(*ended_, std::vector<std::string>{"client-1"});
  EXPECT_EQ(stats("client-1").sessions.size(), 0u);
  EXPECT_TRUE(waiting->ended); // the busy one's task ran to its end meanwhile
}

namespace {

/// Stands in for the transport's question for a slot: keeps the answers.
class recorded_slot_request final : public slot_request {
public:
  void answer(bool yielded) override { answers.push_back(yielded); }
  std::vector<bool> answers;
};

} // namespace

TEST_F(http_client_actor_test, a_client_that_holds_nothing_ends_after_the_short_timeout) {
  post(client_, call(1, "screenshot_cua")); // holds a session
  auto passer_by = make_client("client-3");
  initialize(passer_by);
  post(passer_by, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}});
  advance(100s);
  EXPECT_TRUE(ended_->empty());
  advance(30s); // past the 2 minutes of the empty timeout
  ASSERT_EQ(*ended_, std::vector<std::string>{"client-3"});
  advance(150s);
  EXPECT_EQ(*ended_, std::vector<std::string>{"client-3"}); // the holder waits for its 300 s
}

TEST_F(http_client_actor_test, gives_up_its_slot_only_when_it_holds_nothing_in_use) {
  auto ask_for_slot = [&](caf::actor client) {
    auto request = std::make_shared<recorded_slot_request>();
    caf::anon_send(client, reclaim_atom::value, slot_request_ptr{request});
    run();
    EXPECT_EQ(request->answers.size(), 1u);
    return !request->answers.empty() && request->answers.front();
  };
  // A request in flight keeps the slot.
  auto busy = make_client("client-2");
  initialize(busy);
  post(busy, call(1, "run_cua_task", {{"task", "wait"}}));
  EXPECT_FALSE(ask_for_slot(busy));
  // So does a session used within the last minute (--evict-idle).
  post(client_, call(1, "screenshot_cua"));
  EXPECT_FALSE(ask_for_slot(client_));
  EXPECT_TRUE(ended_->empty());
  advance(61s);
  EXPECT_TRUE(ask_for_slot(client_));
  ASSERT_EQ(*ended_, std::vector<std::string>{"client-1"}); // told the transport before answering
  EXPECT_EQ(stats("client-1").sessions.size(), 0u);
  // A client with no session gives its slot up at once.
  auto passer_by = make_client("client-3");
  initialize(passer_by);
  EXPECT_TRUE(ask_for_slot(passer_by));
}

TEST_F(http_client_actor_test, a_client_that_holds_tasks_is_not_ended_as_empty_and_takes_them_along) {
  task_registry_config config;
  config.ttl_max = 250s;
  auto registry = own(sys().spawn(task_registry_actor, config));
  auto holder = make_client("client-4", registry);
  initialize(holder);
  auto created = post(holder, {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"},
                               {"params", {{"name", "run_cua_task"},
                                           {"arguments", {{"task", "wait"}, {"session_id", "s"}}},
                                           {"task", {{"ttl", 600000}}}}}});
  ASSERT_EQ(created->status, 200) << created->body;
  auto id = json::parse(created->body)["result"]["task"]["taskId"].get<std::string>();
  advance(70s); // the task has finished; its result is kept
  post(holder, call(2, "cleanup_session", {{"session_id", "s"}}));
  EXPECT_EQ(stats("client-4").sessions.size(), 0u);
  advance(150s); // past the empty timeout: it holds no session, but a task
  EXPECT_TRUE(std::find(ended_->begin(), ended_->end(), "client-4") == ended_->end());
  auto got = post(holder, {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tasks/get"}, {"params", {{"taskId", id}}}});
  EXPECT_EQ(json::parse(got->body)["result"]["status"], "completed") << got->body;
  advance(300s); // the task's ttl (capped at 250 s) is over: nothing is held, so it ends
  EXPECT_TRUE(std::find(ended_->begin(), ended_->end(), "client-4") != ended_->end());
  auto count = ask<int32_t>(registry, task_count_atom::value, std::string{"client-4"});
  run();
  EXPECT_EQ(count->value, 0);
}
