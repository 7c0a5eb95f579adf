#include "mcp/task_registry_actor.hpp"

#include <nlohmann/json.hpp>

#include "mcp/tool.hpp"
#include "mcp/tool_result.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/json_payload.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/actors/served_tools.hpp"

using namespace cua;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A tool that answers after `seconds` (an argument; 10 by default) of virtual time, or fails at once
// when asked to.
tool_definition waiting_tool() {
  tool_definition tool;
  tool.name = "wait_then_answer";
  tool.description = "test tool";
  tool.input_schema = {{"type", "object"}};
  tool.runs_tasks = true;
  tool.run = [](tool_context& ctx) {
    if (ctx.arguments().value("fail", false)) {
      ctx.finish(tool_result::error("it went wrong"));
      return;
    }
    auto seconds = ctx.arguments().value("seconds", 10);
    ctx.after(std::chrono::seconds(seconds), [&ctx] {
      tool_result result;
      result.add_text("answered");
      ctx.finish(std::move(result));
    });
  };
  return tool;
}

class task_registry_test : public test::deterministic {
protected:
  caf::actor start(task_registry_config config = {}) {
    config.poll_interval = 1s;
    registry_ = own(sys().spawn(task_registry_actor, config));
    writer_ = own(test::spawn_line_recorder(sys(), lines_));
    return registry_;
  }

  // Creates a task of `owner`; returns the answer to its tools/call.
  std::shared_ptr<test::reply<json>> create(const std::string& owner, json arguments = json::object(),
                                            int64_t ttl_ms = 0, bool modern = false) {
    task_order order;
    order.setup.tool = &tool_;
    order.setup.arguments = std::move(arguments);
    order.setup.request_id = 7;
    order.setup.protocol_version = modern ? "2026-07-28" : "2025-11-25";
    order.owner = owner;
    order.writer = writer_;
    order.ttl_ms = ttl_ms;
    order.modern = modern;
    auto out = ask<json>(registry_, task_create_atom::value, order);
    run();
    return out;
  }

  std::string created_id(const std::shared_ptr<test::reply<json>>& answer, bool modern = false) {
    EXPECT_TRUE(answer->value) << caf::to_string(answer->error);
    if (!answer->value)
      return {};
    return (modern ? *answer->value : (*answer->value)["task"])["taskId"].get<std::string>();
  }

  json get(const std::string& owner, const std::string& id, bool modern = false) {
    auto got = ask<json>(registry_, task_get_atom::value, owner, id, modern);
    run();
    return got->value ? *got->value : json{{"error", caf::to_string(got->error)}};
  }

  std::vector<json> statuses(const std::string& id) {
    std::vector<json> out;
    for (const auto& line : *lines_) {
      auto note = json::parse(line);
      if (note.value("method", "") == "notifications/tasks/status" && note["params"]["taskId"] == id)
        out.push_back(note["params"]["status"]);
    }
    return out;
  }

  tool_definition tool_ = waiting_tool();
  caf::actor registry_;
  caf::actor writer_;
  std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
};

} // namespace

TEST_F(task_registry_test, a_task_runs_to_its_result_and_whoever_waits_gets_it) {
  start();
  auto id = created_id(create("a", {{"seconds", 10}}, 60000));
  EXPECT_EQ(get("a", id)["status"], "working");
  EXPECT_EQ(get("a", id)["ttl"], 60000);
  EXPECT_EQ(get("a", id)["pollInterval"], 1000);
  auto waiting = ask<json>(registry_, task_result_atom::value, std::string{"a"}, id);
  advance(5s);
  EXPECT_FALSE(waiting->done);
  advance(6s);
  ASSERT_TRUE(waiting->value) << caf::to_string(waiting->error);
  EXPECT_EQ((*waiting->value)["content"][0]["text"], "answered");
  EXPECT_EQ((*waiting->value)["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], id);
  EXPECT_EQ(get("a", id)["status"], "completed");
  EXPECT_EQ(statuses(id), (std::vector<json>{"completed"}));
}

TEST_F(task_registry_test, another_owner_sees_nothing_and_can_do_nothing) {
  start();
  auto id = created_id(create("a"));
  EXPECT_TRUE(get("b", id).contains("error"));
  auto cancel = ask<json>(registry_, task_cancel_atom::value, std::string{"b"}, id, false);
  auto result = ask<json>(registry_, task_result_atom::value, std::string{"b"}, id);
  auto listed = ask<json>(registry_, task_list_atom::value, std::string{"b"}, std::string{});
  run();
  EXPECT_EQ(cancel->error, make_error(errc::invalid_arguments, "")) << caf::to_string(cancel->error);
  EXPECT_TRUE(result->error);
  EXPECT_TRUE((*listed->value)["tasks"].empty());
  EXPECT_EQ(get("a", id)["status"], "working");
}

TEST_F(task_registry_test, lists_are_paged_in_creation_order) {
  task_registry_config config;
  config.max_per_owner = 100;
  start(config);
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i)
    ids.push_back(created_id(create("a")));
  auto first = ask<json>(registry_, task_list_atom::value, std::string{"a"}, std::string{});
  run();
  ASSERT_TRUE(first->value);
  ASSERT_EQ((*first->value)["tasks"].size(), 50u);
  EXPECT_EQ((*first->value)["tasks"][0]["taskId"], ids[0]);
  auto cursor = (*first->value)["nextCursor"].get<std::string>();
  auto second = ask<json>(registry_, task_list_atom::value, std::string{"a"}, cursor);
  auto bad = ask<json>(registry_, task_list_atom::value, std::string{"a"}, std::string{"12x"});
  run();
  ASSERT_EQ((*second->value)["tasks"].size(), 10u);
  EXPECT_EQ((*second->value)["tasks"][9]["taskId"], ids[59]);
  EXPECT_FALSE(second->value->contains("nextCursor"));
  EXPECT_TRUE(bad->error);
}

TEST_F(task_registry_test, ttls_are_capped_and_a_task_past_its_ttl_is_stopped_and_forgotten) {
  task_registry_config config;
  config.ttl_max = 30s;
  start(config);
  auto id = created_id(create("a", {{"seconds", 100}}, 600000));
  EXPECT_EQ(get("a", id)["ttl"], 30000);
  auto waiting = ask<json>(registry_, task_result_atom::value, std::string{"a"}, id);
  advance(29s);
  EXPECT_EQ(get("a", id)["status"], "working");
  advance(2s);
  EXPECT_TRUE(get("a", id).contains("error"));
  ASSERT_TRUE(waiting->value); // answered: the task was cancelled
  EXPECT_TRUE((*waiting->value)["isError"].get<bool>());
  EXPECT_EQ(statuses(id), (std::vector<json>{"cancelled"}));
}

TEST_F(task_registry_test, a_client_past_its_bounds_is_refused_and_says_which) {
  task_registry_config config;
  config.max_per_owner = 2;
  config.max_bytes_per_owner = 10; // one finished result is more than that
  start(config);
  created_id(create("a", {{"seconds", 1}}));
  advance(2s); // finished: its result is kept
  auto refused_bytes = create("a");
  EXPECT_EQ(refused_bytes->error.code(), static_cast<uint8_t>(errc::task_limit_reached));
  EXPECT_NE(caf::to_string(refused_bytes->error).find("MiB of results"), std::string::npos);
  config.max_bytes_per_owner = 1 << 20;
  registry_ = own(sys().spawn(task_registry_actor, config));
  created_id(create("b"));
  created_id(create("b"));
  auto refused_count = create("b");
  EXPECT_EQ(refused_count->error.code(), static_cast<uint8_t>(errc::task_limit_reached));
  EXPECT_NE(caf::to_string(refused_count->error).find("at most 2"), std::string::npos);
  created_id(create("c")); // another client has bounds of its own
}

TEST_F(task_registry_test, cancelling_stops_the_call_and_answers_the_waiting) {
  start();
  auto id = created_id(create("a", {{"seconds", 100}}));
  auto waiting = ask<json>(registry_, task_result_atom::value, std::string{"a"}, id);
  auto cancelled = ask<json>(registry_, task_cancel_atom::value, std::string{"a"}, id, false);
  run();
  ASSERT_TRUE(cancelled->value);
  EXPECT_EQ((*cancelled->value)["status"], "cancelled");
  ASSERT_TRUE(waiting->value);
  EXPECT_TRUE((*waiting->value)["isError"].get<bool>());
  advance(200s); // the call is gone: nothing more happens
  EXPECT_EQ(get("a", id)["status"], "cancelled");
  // A finished task cannot be cancelled in 2025-11-25, and is acknowledged in the extension.
  auto again = ask<json>(registry_, task_cancel_atom::value, std::string{"a"}, id, false);
  auto modern = ask<json>(registry_, task_cancel_atom::value, std::string{"a"}, id, true);
  run();
  EXPECT_TRUE(again->error);
  ASSERT_TRUE(modern->value);
  EXPECT_EQ(*modern->value, json::object());
}

TEST_F(task_registry_test, tool_errors_fail_a_2025_task_and_complete_an_extension_task) {
  start();
  auto legacy = created_id(create("a", {{"fail", true}}));
  auto modern = created_id(create("a", {{"fail", true}}, 0, true), true);
  EXPECT_EQ(get("a", legacy)["status"], "failed");
  auto shown = get("a", modern, true);
  EXPECT_EQ(shown["status"], "completed");
  EXPECT_TRUE(shown["result"]["isError"].get<bool>());
  EXPECT_FALSE(shown["result"].contains("resultType"));
  EXPECT_TRUE(shown.contains("ttlMs"));
  // The extension has no notifications/tasks/status.
  EXPECT_TRUE(statuses(modern).empty());
  EXPECT_EQ(statuses(legacy), (std::vector<json>{"failed"}));
}

TEST_F(task_registry_test, an_owner_that_goes_away_takes_its_tasks_and_shutdown_cancels_the_rest) {
  start();
  auto gone = created_id(create("a", {{"seconds", 100}}));
  auto kept = created_id(create("b", {{"seconds", 100}}));
  auto waiting = ask<json>(registry_, task_result_atom::value, std::string{"b"}, kept);
  caf::anon_send(registry_, owner_gone_atom::value, std::string{"a"});
  run();
  EXPECT_TRUE(get("a", gone).contains("error"));
  EXPECT_EQ(get("b", kept)["status"], "working");
  auto count = ask<int32_t>(registry_, task_count_atom::value, std::string{"b"});
  run();
  EXPECT_EQ(count->value, 1);
  auto stopped = ask_done(registry_, shutdown_atom::value);
  run();
  EXPECT_TRUE(stopped->done);
  EXPECT_EQ(get("b", kept)["status"], "cancelled");
  ASSERT_TRUE(waiting->value);
  EXPECT_TRUE((*waiting->value)["isError"].get<bool>());
}
