#include "actors/supervisor_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"

using namespace cua;
using namespace std::chrono_literals;

namespace {

class supervisor_actor_test : public test::deterministic {
protected:
  void SetUp() override {
    pool_config pc;
    pc.size = 10;
    pc.warm = 0;
    pool_ = own(sys().spawn(pool_actor, pc, sim_spawner()));
  }

  caf::actor make_supervisor(int32_t max_sessions, caf::timespan idle = 600s,
                             caf::timespan interval = 60s) {
    supervisor_config cfg;
    cfg.max_sessions = max_sessions;
    cfg.idle_timeout = idle;
    cfg.reap_interval = interval;
    return own(sys().spawn(supervisor_actor, cfg, pool_));
  }

  stats_report stats(caf::actor sup) {
    auto r = ask<stats_report>(sup, stats_atom::value);
    run();
    EXPECT_TRUE(r->value) << describe(r->error);
    return r->value.value_or(stats_report{});
  }

  caf::actor pool_;
};

} // namespace

TEST_F(supervisor_actor_test, creates_a_session_once_and_reuses_it) {
  auto sup = make_supervisor(3);
  auto a = ask<session_handle>(sup, open_atom::value, std::string{"s1"});
  run();
  auto b = ask<session_handle>(sup, open_atom::value, std::string{"s1"});
  run();
  ASSERT_TRUE(a->value && b->value);
  EXPECT_TRUE(a->value->created);
  EXPECT_FALSE(b->value->created);
  EXPECT_EQ(a->value->session, b->value->session);
  auto s = stats(sup);
  ASSERT_EQ(s.sessions.size(), 1u);
  EXPECT_EQ(s.sessions[0].state, "ready");
  EXPECT_EQ(s.pool.in_use, 1);
}

TEST_F(supervisor_actor_test, refuses_a_session_past_the_limit_at_once) {
  auto sup = make_supervisor(2);
  ask<session_handle>(sup, open_atom::value, std::string{"a"});
  ask<session_handle>(sup, open_atom::value, std::string{"b"});
  run();
  auto third = ask<session_handle>(sup, open_atom::value, std::string{"c"});
  run(); // no time passes: the refusal must not wait for anything
  ASSERT_TRUE(third->done);
  EXPECT_EQ(third->error, errc::session_limit_reached);
  EXPECT_NE(describe(third->error).find("--max-sessions 2"), std::string::npos);
  EXPECT_EQ(stats(sup).sessions_refused, 1);
}

TEST_F(supervisor_actor_test, reaps_idle_sessions_in_virtual_time) {
  auto sup = make_supervisor(5, 600s, 60s);
  ask<session_handle>(sup, open_atom::value, std::string{"idle"});
  run();
  advance(540s); // 9 sweeps, none past the idle timeout
  EXPECT_EQ(stats(sup).sessions.size(), 1u);
  for (int i = 0; i < 2; ++i)
    advance(60s);
  auto s = stats(sup);
  EXPECT_EQ(s.sessions.size(), 0u);
  EXPECT_EQ(s.sessions_reaped, 1);
  EXPECT_EQ(s.pool.in_use, 0);
}

TEST_F(supervisor_actor_test, activity_keeps_a_session_from_being_reaped) {
  auto sup = make_supervisor(5, 600s, 60s);
  auto h = ask<session_handle>(sup, open_atom::value, std::string{"busy"});
  run();
  ASSERT_TRUE(h->value);
  for (int i = 0; i < 15; ++i) {
    advance(60s);
    ask<encoded_image>(h->value->session, screenshot_atom::value, std::string{"png"});
    run();
  }
  EXPECT_EQ(stats(sup).sessions.size(), 1u);
}

TEST_F(supervisor_actor_test, cleanup_returns_the_computer_and_unknown_ids_are_errors) {
  auto sup = make_supervisor(5);
  ask<session_handle>(sup, open_atom::value, std::string{"s"});
  run();
  auto report = ask<cleanup_report>(sup, close_atom::value, std::string{"s"});
  run();
  ASSERT_TRUE(report->value) << describe(report->error);
  EXPECT_TRUE(report->value->computer_returned);
  auto again = ask<cleanup_report>(sup, close_atom::value, std::string{"s"});
  run();
  EXPECT_EQ(again->error, errc::unknown_session);
  auto s = stats(sup);
  EXPECT_EQ(s.sessions.size(), 0u);
  EXPECT_EQ(s.pool.in_use, 0);
  EXPECT_EQ(s.pool.idle, 1); // reset and ready for the next session
}

TEST_F(supervisor_actor_test, forgets_a_session_that_dies) {
  auto sup = make_supervisor(1);
  auto h = ask<session_handle>(sup, open_atom::value, std::string{"doomed"});
  run();
  ASSERT_TRUE(h->value);
  caf::anon_send_exit(h->value->session, caf::exit_reason::kill);
  run();
  auto s = stats(sup);
  EXPECT_EQ(s.sessions.size(), 0u);
  EXPECT_EQ(s.pool.in_use, 0);
  // The slot is free again.
  auto next = ask<session_handle>(sup, open_atom::value, std::string{"next"});
  run();
  EXPECT_TRUE(next->value);
}

TEST_F(supervisor_actor_test, ephemeral_sessions_end_with_their_owner) {
  auto sup = make_supervisor(5);
  auto h = ask<session_handle>(sup, open_atom::value, ephemeral_atom::value);
  auto owner = asker();
  run();
  ASSERT_TRUE(h->value);
  EXPECT_EQ(stats(sup).sessions.size(), 1u);
  EXPECT_TRUE(stats(sup).sessions[0].ephemeral);
  caf::anon_send_exit(owner, caf::exit_reason::kill);
  run();
  EXPECT_EQ(stats(sup).sessions.size(), 0u);
}

TEST_F(supervisor_actor_test, shutdown_without_sessions_answers_at_once) {
  auto sup = make_supervisor(5);
  auto done = ask_done(sup, shutdown_atom::value);
  run();
  EXPECT_TRUE(done->value) << describe(done->error);
}

TEST_F(supervisor_actor_test, shutdown_closes_every_session) {
  auto sup = make_supervisor(5);
  for (auto id : {"a", "b", "c"})
    ask<session_handle>(sup, open_atom::value, std::string{id});
  run();
  auto done = ask_done(sup, shutdown_atom::value);
  run();
  EXPECT_TRUE(done->value);
  auto s = ask<pool_stats>(pool_, stats_atom::value);
  run();
  ASSERT_TRUE(s->value);
  EXPECT_EQ(s->value->in_use, 0);
}

TEST_F(supervisor_actor_test, a_new_session_is_handed_out_only_with_its_computer_or_the_reason) {
  // A pool of one that is busy until its acquire timeout: the open waits, then says why.
  pool_config pc;
  pc.size = 1;
  pc.warm = 0;
  pc.acquire_timeout = 5s;
  pool_ = own(sys().spawn(pool_actor, pc, sim_spawner()));
  auto sup = make_supervisor(3);
  auto first = ask<session_handle>(sup, open_atom::value, std::string{"a"});
  run();
  ASSERT_TRUE(first->value) << describe(first->error);
  auto second = ask<session_handle>(sup, open_atom::value, std::string{"b"});
  run();
  EXPECT_FALSE(second->done); // not handed out before it has a computer
  advance(6s);
  ASSERT_TRUE(second->done);
  EXPECT_EQ(second->error, errc::computer_failed);
  EXPECT_NE(describe(second->error).find("--pool-size"), std::string::npos)
    << describe(second->error);
  EXPECT_EQ(stats(sup).sessions.size(), 1u); // the refused one is gone
}
