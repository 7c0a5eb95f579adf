#include "actors/session_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"
#include "tests/support/computer_actions.hpp"
#include "tests/actors/replay_file.hpp"

#include <caf/spawn_options.hpp>

using namespace cua;
using namespace std::chrono_literals;

namespace {

// A task that looks, then waits a minute of (virtual) time, then answers.
const char* slow_script = R"({"text":"look","actions":[{"action":"screenshot"}]}
{"text":"waiting","actions":[{"action":"wait","duration":60}]}
{"text":"finished"}
)";

class session_actor_test : public test::deterministic {
protected:
  void SetUp() override {
    pool_ = sim_pool(2);
  }

  session_api make_session(const std::string& model) {
    session_config cfg;
    cfg.agent.model = model;
    return own(sys().spawn(session_actor, std::string{"s1"}, pool_, cfg, false));
  }

  /// A pool of one fixed computer that dies before it starts: the pool then refuses at once.
  pool_api make_dead_pool() {
    pool_config pc;
    pc.size = 1;
    pc.warm = 0;
    pc.fixed_ids = {"cua-1"};
    return own(sys().spawn(pool_actor, pc, [](caf::actor_system& sys, const std::string& id) {
      auto spawned = spawn_computer(sys, make_sim_computer(id, {}), false);
      caf::anon_send_exit(spawned.actor, caf::exit_reason::kill);
      return spawned;
    }));
  }

  session_info info(session_api session) {
    auto r = ask<session_info>(session, info_atom::value);
    run();
    return r->value.value_or(session_info{});
  }

  pool_api pool_;
};

} // namespace

TEST_F(session_actor_test, calls_made_before_the_computer_arrives_are_served_after) {
  auto session = make_session("replay:/dev/null");
  auto shot = ask<encoded_image>(session, screenshot_atom::value, image_format::png);
  run();
  ASSERT_TRUE(shot->value) << describe(shot->error);
  EXPECT_EQ(shot->value->width, 1280);
  EXPECT_EQ(info(session).status, session_status::ready);
  EXPECT_FALSE(info(session).computer_id.empty());
}

TEST_F(session_actor_test, runs_a_task_to_its_answer) {
  test::replay_file script(slow_script);
  auto session = make_session(script.model());
  auto result = ask<task_result>(session, run_task_atom::value, std::string{"do it"}, caf::actor{});
  run();
  EXPECT_FALSE(result->done);
  EXPECT_EQ(info(session).active_tasks, 1);
  advance(61s);
  ASSERT_TRUE(result->value) << describe(result->error);
  EXPECT_EQ(result->value->text, "finished");
  EXPECT_EQ(result->value->steps, 3);
  EXPECT_TRUE(result->value->has_screenshot);
  EXPECT_EQ(info(session).active_tasks, 0);
}

TEST_F(session_actor_test, tasks_on_one_session_run_one_after_another) {
  test::replay_file script(slow_script);
  auto session = make_session(script.model());
  auto first = ask<task_result>(session, run_task_atom::value, std::string{"one"}, caf::actor{});
  auto second = ask<task_result>(session, run_task_atom::value, std::string{"two"}, caf::actor{});
  run();
  EXPECT_EQ(info(session).active_tasks, 2);
  advance(61s);
  ASSERT_TRUE(first->value) << describe(first->error);
  EXPECT_FALSE(second->done); // it started only when the first one ended
  advance(61s);
  ASSERT_TRUE(second->value) << describe(second->error);
  EXPECT_EQ(info(session).active_tasks, 0);
}

TEST_F(session_actor_test, reaping_is_decided_by_the_session_itself) {
  auto session = make_session("replay:/dev/null");
  run();
  advance(10s);
  auto busy = ask<bool>(session, reap_atom::value, int64_t{60'000}, std::string{"idle"});
  run();
  EXPECT_EQ(busy->value, false); // idle 10 s < 60 s
  auto idle = ask<bool>(session, reap_atom::value, int64_t{5'000}, std::string{"idle"});
  run();
  EXPECT_EQ(idle->value, true);
  auto pool = ask<pool_stats>(pool_, stats_atom::value);
  run();
  EXPECT_EQ(pool->value->in_use, 0);
}

TEST_F(session_actor_test, cleanup_cancels_a_running_task_and_returns_the_computer) {
  test::replay_file script(slow_script);
  auto session = make_session(script.model());
  auto result = ask<task_result>(session, run_task_atom::value, std::string{"do it"}, caf::actor{});
  run();
  ASSERT_EQ(info(session).active_tasks, 1);
  auto report = ask<cleanup_report>(session, close_atom::value, std::string{"requested"});
  run();
  ASSERT_TRUE(report->value);
  EXPECT_EQ(report->value->cancelled_tasks, 1);
  EXPECT_TRUE(report->value->computer_returned);
  ASSERT_TRUE(result->done);
  EXPECT_EQ(result->error, errc::task_cancelled);
  auto pool = ask<pool_stats>(pool_, stats_atom::value);
  run();
  EXPECT_EQ(pool->value->in_use, 0);
}

TEST_F(session_actor_test, a_task_stops_when_its_requester_goes_away) {
  test::replay_file script(slow_script);
  auto session = make_session(script.model());
  ask<task_result>(session, run_task_atom::value, std::string{"do it"}, caf::actor{});
  auto requester = asker();
  run();
  ASSERT_EQ(info(session).active_tasks, 1);
  caf::anon_send_exit(requester, caf::exit_reason::user_shutdown);
  run();
  EXPECT_EQ(info(session).active_tasks, 0);
  EXPECT_EQ(info(session).status, session_status::ready); // the session itself goes on
}

TEST_F(session_actor_test, a_dead_computer_fails_the_next_call_clearly) {
  // A pool whose computers the test can reach, to kill one behind the session's back.
  auto made = std::make_shared<std::vector<computer_api>>();
  auto base = sim_spawner();
  pool_config pc;
  pc.size = 1;
  pc.warm = 0;
  auto pool = own(sys().spawn(pool_actor, pc, [=](caf::actor_system& sys, const std::string& id) {
    auto spawned = base(sys, id);
    made->push_back(spawned.actor);
    return spawned;
  }));
  session_config cfg;
  auto session = own(sys().spawn(session_actor, std::string{"s"}, pool, cfg, false));
  auto first = ask<encoded_image>(session, screenshot_atom::value, image_format::png);
  run();
  ASSERT_TRUE(first->value);
  ASSERT_EQ(made->size(), 1u);
  caf::anon_send_exit(made->front(), caf::exit_reason::kill);
  run();
  auto second = ask<encoded_image>(session, screenshot_atom::value, image_format::png);
  run();
  ASSERT_TRUE(second->done);
  EXPECT_EQ(second->error, errc::computer_failed);
  EXPECT_NE(describe(second->error).find("stopped"), std::string::npos);
  EXPECT_EQ(info(session).status, session_status::failed);
  // The pool replaced the computer for whoever comes next.
  auto next = own(sys().spawn(session_actor, std::string{"t"}, pool, cfg, false));
  auto shot = ask<encoded_image>(next, screenshot_atom::value, image_format::png);
  run();
  EXPECT_TRUE(shot->value); // the dead computer's slot went back to the pool at once
  auto report = ask<cleanup_report>(session, close_atom::value, std::string{"requested"});
  run();
  ASSERT_TRUE(report->value);
  EXPECT_FALSE(report->value->computer_returned);
}

TEST_F(session_actor_test, a_session_without_a_computer_tells_its_waiting_callers_why) {
  pool_config pc;
  pc.size = 1;
  pc.warm = 0;
  pc.acquire_timeout = 5s;
  auto small_pool = own(sys().spawn(pool_actor, pc, sim_spawner()));
  session_config cfg;
  auto first = own(sys().spawn(session_actor, std::string{"a"}, small_pool, cfg, false));
  run();
  auto second = own(sys().spawn<caf::lazy_init>(session_actor, std::string{"b"}, small_pool, cfg, false));
  auto shot = ask<encoded_image>(second, screenshot_atom::value, image_format::png);
  run();
  EXPECT_FALSE(shot->done);
  advance(6s);
  ASSERT_TRUE(shot->done);
  EXPECT_EQ(shot->error, errc::computer_failed);
  EXPECT_NE(describe(shot->error).find("--pool-size"), std::string::npos);
  (void) first;
}

TEST_F(session_actor_test, ready_answers_once_the_computer_is_there_or_says_why_it_never_will) {
  auto session = make_session("replay:/dev/null");
  auto ready = ask<bool>(session, ready_atom::value);
  run();
  ASSERT_TRUE(ready->value) << describe(ready->error);

  auto dead_pool = make_dead_pool();
  auto refused = own(sys().spawn(session_actor, std::string{"b"}, dead_pool, session_config{}, false));
  auto never = ask<bool>(refused, ready_atom::value);
  run();
  ASSERT_TRUE(never->done);
  EXPECT_EQ(never->error, errc::computer_failed);
  EXPECT_NE(describe(never->error).find("failed to start"), std::string::npos)
    << describe(never->error);
}

TEST_F(session_actor_test, spawned_lazily_it_keeps_the_pools_refusal_for_its_first_caller) {
  // The supervisor spawns sessions lazily so that its `ready` is the first thing a session reads:
  // even when the pool refuses before anyone asks, the asker hears the reason, not "stopped".
  auto dead_pool = make_dead_pool();
  // Make the pool refuse at once: its only computer fails to start before the session exists.
  auto first = own(sys().spawn(session_actor, std::string{"a"}, dead_pool, session_config{}, false));
  run();
  auto lazy = own(sys().spawn<caf::lazy_init>(session_actor, std::string{"b"}, dead_pool,
                                              session_config{}, false));
  run(); // nothing happens until it gets a message
  auto never = ask<bool>(lazy, ready_atom::value);
  run();
  ASSERT_TRUE(never->done);
  EXPECT_EQ(never->error, errc::computer_failed) << describe(never->error);
  EXPECT_NE(describe(never->error).find("out of service"), std::string::npos)
    << describe(never->error);
  (void) first;
}

namespace {

// Two clicks in two turns, then the answer.
const char* two_clicks = R"({"text":"first","actions":[{"action":"left_click","coordinate":[10,10]}]}
{"text":"second","actions":[{"action":"left_click","coordinate":[20,20]}]}
{"text":"finished"}
)";

computer_action click_at(int32_t x, int32_t y) {
  return test::action_at(action_kind::left_click, x, y);
}

} // namespace

TEST_F(session_actor_test, a_pause_holds_the_agent_and_hands_the_screen_to_the_operator) {
  test::replay_file script(two_clicks);
  auto session = make_session(script.model());
  ask<encoded_image>(session, screenshot_atom::value, image_format::png);
  run();
  // Not paused: an operator's action is refused (the agent may be acting).
  auto early = ask<action_outcome>(session, operate_atom::value, click_at(5, 5));
  run();
  EXPECT_EQ(early->error, errc::invalid_arguments);
  auto paused = ask<bool>(session, pause_atom::value, std::string{"an operator"});
  run();
  ASSERT_EQ(paused->value, true);
  auto result = ask<task_result>(session, run_task_atom::value, std::string{"do it"}, caf::actor{});
  run();
  // The task waits before its first step, and says why.
  EXPECT_FALSE(result->done);
  auto held = info(session);
  EXPECT_TRUE(held.paused);
  EXPECT_EQ(held.task, "do it");
  EXPECT_NE(held.progress.find("paused by an operator"), std::string::npos) << held.progress;
  // The client's own actions wait for the operator; its screenshots do not.
  auto refused = ask<action_outcome>(session, perform_atom::value, click_at(1, 1));
  auto looked = ask<encoded_image>(session, screenshot_atom::value, image_format::png);
  run();
  EXPECT_EQ(refused->error, errc::session_paused);
  EXPECT_NE(describe(refused->error).find("paused"), std::string::npos);
  EXPECT_TRUE(looked->value);
  auto done = ask<action_outcome>(session, operate_atom::value, click_at(30, 30));
  run();
  EXPECT_TRUE(done->value) << describe(done->error);
  EXPECT_FALSE(result->done);
  auto resumed = ask<bool>(session, unpause_atom::value, std::string{"an operator"});
  run();
  EXPECT_EQ(resumed->value, false);
  ASSERT_TRUE(result->value) << describe(result->error);
  EXPECT_EQ(result->value->text, "finished");
  EXPECT_EQ(result->value->actions, 2);
  EXPECT_FALSE(info(session).paused);
}

TEST_F(session_actor_test, a_task_paused_mid_run_waits_at_its_next_step) {
  test::replay_file script(slow_script);
  auto session = make_session(script.model());
  auto result = ask<task_result>(session, run_task_atom::value, std::string{"do it"}, caf::actor{});
  run(); // the task looked and now waits a minute
  auto running = info(session);
  EXPECT_EQ(running.model_text, "waiting");
  EXPECT_FALSE(running.progress.empty());
  ask<bool>(session, pause_atom::value, std::string{"an operator"});
  run();
  advance(61s); // its wait ended while paused: it holds before the next model turn
  EXPECT_FALSE(result->done);
  EXPECT_NE(info(session).progress.find("paused"), std::string::npos);
  ask<bool>(session, unpause_atom::value, std::string{"an operator"});
  run();
  ASSERT_TRUE(result->value) << describe(result->error);
  EXPECT_EQ(result->value->text, "finished");
}

TEST_F(session_actor_test, a_forgotten_pause_ends_by_itself) {
  test::replay_file script(two_clicks);
  session_config cfg;
  cfg.agent.model = script.model();
  cfg.max_pause = 60s;
  auto session = own(sys().spawn(session_actor, std::string{"s1"}, pool_, cfg, false));
  // A session still waiting for its computer has no screen to hand over yet.
  auto too_soon = ask<bool>(session, pause_atom::value, std::string{"an operator"});
  run();
  EXPECT_EQ(too_soon->error, errc::invalid_arguments);
  ask<bool>(session, pause_atom::value, std::string{"an operator"});
  auto result = ask<task_result>(session, run_task_atom::value, std::string{"do it"}, caf::actor{});
  run();
  advance(30s);
  EXPECT_FALSE(result->done);
  // A pause renewed is bounded afresh; the first bound no longer ends it.
  ask<bool>(session, pause_atom::value, std::string{"an operator"});
  run();
  advance(31s);
  EXPECT_FALSE(result->done);
  EXPECT_TRUE(info(session).paused);
  advance(30s);
  ASSERT_TRUE(result->value) << describe(result->error);
  EXPECT_FALSE(info(session).paused);
}

TEST_F(session_actor_test, a_paused_session_is_not_reaped_and_frames_are_not_activity) {
  auto session = make_session("replay:/dev/null");
  auto first = ask<screen_frame>(session, frame_atom::value, uint64_t{0});
  run();
  ASSERT_TRUE(first->value) << describe(first->error);
  EXPECT_GE(first->value->change, 1u);
  advance(10s);
  auto still = ask<screen_frame>(session, frame_atom::value, first->value->change);
  run();
  ASSERT_TRUE(still->value);
  EXPECT_TRUE(still->value->unchanged);
  // Looking at its frames did not make the session active.
  EXPECT_GE(info(session).idle_ms, 10'000);
  ask<bool>(session, pause_atom::value, std::string{"an operator"});
  run();
  advance(10s);
  auto reaped = ask<bool>(session, reap_atom::value, int64_t{5'000}, std::string{"idle"});
  run();
  EXPECT_EQ(reaped->value, false);
}

TEST_F(session_actor_test, cancel_ends_the_running_task_and_keeps_the_session) {
  test::replay_file script(slow_script);
  auto session = make_session(script.model());
  auto result = ask<task_result>(session, run_task_atom::value, std::string{"do it"}, caf::actor{});
  run();
  auto cancelled = ask<int32_t>(session, cancel_atom::value, std::string{"ended by an operator"});
  run();
  EXPECT_EQ(cancelled->value, 1);
  EXPECT_EQ(result->error, errc::task_cancelled);
  EXPECT_NE(describe(result->error).find("ended by an operator"), std::string::npos);
  auto after = info(session);
  EXPECT_EQ(after.status, session_status::ready);
  EXPECT_EQ(after.active_tasks, 0);
  EXPECT_TRUE(after.task.empty());
}
