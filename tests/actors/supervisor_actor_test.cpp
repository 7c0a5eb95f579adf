#include "actors/supervisor_actor.hpp"

#include <limits>
#include <set>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"

using namespace cua;
using namespace std::chrono_literals;

namespace {

const std::string me = "client-1";

class supervisor_actor_test : public test::deterministic {
protected:
  void SetUp() override {
    pool_ = sim_pool(10);
  }

  supervisor_api make_supervisor(int32_t max_sessions, caf::timespan idle = 600s,
                             caf::timespan interval = 60s, int32_t per_client = 0,
                             caf::timespan evict_idle = 60s) {
    supervisor_config cfg;
    cfg.max_sessions = max_sessions;
    cfg.evict_idle = evict_idle;
    cfg.max_sessions_per_client = per_client;
    cfg.idle_timeout = idle;
    cfg.reap_interval = interval;
    return own(sys().spawn(supervisor_actor, cfg, pool_));
  }

  /// Opens session `id` of `client` and lets everything run; returns the answer.
  auto open(supervisor_api sup, const std::string& client, const std::string& id) {
    auto answer = ask<session_handle>(sup, open_atom::value, client, id);
    run();
    return answer;
  }

  stats_report stats(supervisor_api sup, const std::string& client = me) {
    auto r = ask<stats_report>(sup, stats_atom::value, client);
    run();
    EXPECT_TRUE(r->value) << describe(r->error);
    return r->value.value_or(stats_report{});
  }

  pool_api pool_;
};

} // namespace

TEST_F(supervisor_actor_test, creates_a_session_once_and_reuses_it) {
  auto sup = make_supervisor(3);
  auto a = ask<session_handle>(sup, open_atom::value, me, std::string{"s1"});
  run();
  auto b = ask<session_handle>(sup, open_atom::value, me, std::string{"s1"});
  run();
  ASSERT_TRUE(a->value && b->value);
  EXPECT_TRUE(a->value->created);
  EXPECT_FALSE(b->value->created);
  EXPECT_EQ(a->value->session, b->value->session);
  auto s = stats(sup);
  ASSERT_EQ(s.sessions.size(), 1u);
  EXPECT_EQ(s.sessions[0].status, session_status::ready);
  EXPECT_EQ(s.pool.in_use, 1);
}

TEST_F(supervisor_actor_test, refuses_a_session_past_the_limit_at_once) {
  auto sup = make_supervisor(2);
  ask<session_handle>(sup, open_atom::value, me, std::string{"a"});
  ask<session_handle>(sup, open_atom::value, me, std::string{"b"});
  run();
  auto third = ask<session_handle>(sup, open_atom::value, me, std::string{"c"});
  run(); // no time passes: the refusal must not wait for anything
  ASSERT_TRUE(third->done);
  EXPECT_EQ(third->error, errc::session_limit_reached);
  EXPECT_NE(describe(third->error).find("--max-sessions 2"), std::string::npos);
  EXPECT_EQ(stats(sup).sessions_refused, 1);
}

TEST_F(supervisor_actor_test, reaps_idle_sessions_in_virtual_time) {
  auto sup = make_supervisor(5, 600s, 60s);
  ask<session_handle>(sup, open_atom::value, me, std::string{"idle"});
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
  auto h = ask<session_handle>(sup, open_atom::value, me, std::string{"busy"});
  run();
  ASSERT_TRUE(h->value);
  for (int i = 0; i < 15; ++i) {
    advance(60s);
    ask<encoded_image>(h->value->session, screenshot_atom::value, image_format::png);
    run();
  }
  EXPECT_EQ(stats(sup).sessions.size(), 1u);
}

TEST_F(supervisor_actor_test, cleanup_returns_the_computer_and_unknown_ids_are_errors) {
  auto sup = make_supervisor(5);
  ask<session_handle>(sup, open_atom::value, me, std::string{"s"});
  run();
  auto report = ask<cleanup_report>(sup, close_atom::value, me, std::string{"s"});
  run();
  ASSERT_TRUE(report->value) << describe(report->error);
  EXPECT_TRUE(report->value->computer_returned);
  auto again = ask<cleanup_report>(sup, close_atom::value, me, std::string{"s"});
  run();
  EXPECT_EQ(again->error, errc::unknown_session);
  auto s = stats(sup);
  EXPECT_EQ(s.sessions.size(), 0u);
  EXPECT_EQ(s.pool.in_use, 0);
  EXPECT_EQ(s.pool.idle, 1); // reset and ready for the next session
}

TEST_F(supervisor_actor_test, forgets_a_session_that_dies) {
  auto sup = make_supervisor(1);
  auto h = ask<session_handle>(sup, open_atom::value, me, std::string{"doomed"});
  run();
  ASSERT_TRUE(h->value);
  caf::anon_send_exit(h->value->session, caf::exit_reason::kill);
  run();
  auto s = stats(sup);
  EXPECT_EQ(s.sessions.size(), 0u);
  EXPECT_EQ(s.pool.in_use, 0);
  // The slot is free again.
  auto next = ask<session_handle>(sup, open_atom::value, me, std::string{"next"});
  run();
  EXPECT_TRUE(next->value);
}

TEST_F(supervisor_actor_test, ephemeral_sessions_end_with_their_owner) {
  auto sup = make_supervisor(5);
  auto h = ask<session_handle>(sup, open_ephemeral_atom::value, me);
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
    ask<session_handle>(sup, open_atom::value, me, std::string{id});
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
  auto first = ask<session_handle>(sup, open_atom::value, me, std::string{"a"});
  run();
  ASSERT_TRUE(first->value) << describe(first->error);
  auto second = ask<session_handle>(sup, open_atom::value, me, std::string{"b"});
  run();
  EXPECT_FALSE(second->done); // not handed out before it has a computer
  advance(6s);
  ASSERT_TRUE(second->done);
  EXPECT_EQ(second->error, errc::computer_failed);
  EXPECT_NE(describe(second->error).find("--pool-size"), std::string::npos)
    << describe(second->error);
  EXPECT_EQ(stats(sup).sessions.size(), 1u); // the refused one is gone
}

TEST_F(supervisor_actor_test, each_client_sees_uses_and_closes_only_its_own_sessions) {
  auto sup = make_supervisor(10);
  const std::string other = "client-2";
  auto mine = ask<session_handle>(sup, open_atom::value, me, std::string{"a"});
  auto theirs = ask<session_handle>(sup, open_atom::value, other, std::string{"a"});
  open(sup, other, "b");
  ASSERT_TRUE(mine->value && theirs->value);
  EXPECT_NE(mine->value->session, theirs->value->session); // the same name, two sessions
  auto seen = stats(sup, me);
  ASSERT_EQ(seen.sessions.size(), 1u);
  EXPECT_EQ(seen.sessions[0].id, "a");
  EXPECT_EQ(seen.server_sessions, 3);
  EXPECT_EQ(stats(sup, other).sessions.size(), 2u);
  // Closing another client's session is closing one that does not exist.
  auto denied = ask<cleanup_report>(sup, close_atom::value, me, std::string{"b"});
  run();
  EXPECT_EQ(denied->error, errc::unknown_session);
  EXPECT_EQ(describe(denied->error), "there is no session \"b\"");
  EXPECT_EQ(stats(sup, other).sessions.size(), 2u);
}

TEST_F(supervisor_actor_test, a_client_that_goes_closes_all_its_sessions_and_no_other) {
  auto sup = make_supervisor(10);
  const std::string other = "client-2";
  for (auto id : {"a", "b"})
    ask<session_handle>(sup, open_atom::value, other, std::string{id});
  open(sup, me, "a");
  auto closed = ask<int32_t>(sup, leave_atom::value, other);
  run();
  ASSERT_TRUE(closed->value);
  EXPECT_EQ(*closed->value, 2);
  EXPECT_EQ(stats(sup, other).sessions.size(), 0u);
  auto s = stats(sup, me);
  EXPECT_EQ(s.sessions.size(), 1u);
  EXPECT_EQ(s.server_sessions, 1);
  EXPECT_EQ(s.pool.in_use, 1);
}

TEST_F(supervisor_actor_test, the_per_client_limit_refuses_one_client_and_leaves_room_for_others) {
  auto sup = make_supervisor(4, 600s, 60s, 2);
  const std::string other = "client-2";
  ask<session_handle>(sup, open_atom::value, me, std::string{"a"});
  open(sup, me, "b");
  auto third = open(sup, me, "c");
  ASSERT_TRUE(third->done);
  EXPECT_EQ(third->error, errc::session_limit_reached);
  EXPECT_NE(describe(third->error).find("--max-sessions-per-client 2"), std::string::npos)
    << describe(third->error);
  auto again = ask<session_handle>(sup, open_atom::value, me, std::string{"a"}); // its own: fine
  auto theirs = open(sup, other, "a");
  EXPECT_TRUE(again->value);
  EXPECT_TRUE(theirs->value) << describe(theirs->error);
  EXPECT_EQ(stats(sup, me).max_sessions_per_client, 2);
}

TEST_F(supervisor_actor_test, stats_calls_at_once_share_pool_queries_and_each_gets_fresh_figures) {
  // A pool that numbers its answers, so an answer tells which query it came from.
  auto queries = std::make_shared<int64_t>(0);
  // Only stats is asked of it here: an untyped fake, cast to the pool's interface.
  auto pool = caf::actor_cast<pool_api>(own(sys().spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {[=](stats_atom) {
      pool_stats figures;
      figures.created = ++*queries;
      return figures;
    }};
  })));
  supervisor_config cfg;
  auto sup = own(sys().spawn(supervisor_actor, cfg, pool));
  auto first = ask<stats_report>(sup, stats_atom::value, me);
  run();
  ASSERT_TRUE(first->value);
  EXPECT_EQ(first->value->pool.created, 1);
  // Ten at once: the first sends a query, the other nine wait for the next one, sent once the
  // first is answered (a query already out was asked before they were).
  std::vector<std::shared_ptr<test::reply<stats_report>>> replies;
  for (int i = 0; i < 10; ++i)
    replies.push_back(ask<stats_report>(sup, stats_atom::value, me));
  run();
  EXPECT_EQ(*queries, 3);
  for (auto& r : replies) {
    ASSERT_TRUE(r->value) << describe(r->error);
    EXPECT_GE(r->value->pool.created, 2);
  }
}

TEST_F(supervisor_actor_test, stats_come_without_pool_figures_when_the_pool_does_not_answer) {
  auto pool = caf::actor_cast<pool_api>(own(sys().spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {[=](stats_atom) -> caf::result<pool_stats> { return caf::delegated<pool_stats>{}; }};
  })));
  supervisor_config cfg;
  cfg.max_sessions = 7;
  auto sup = own(sys().spawn(supervisor_actor, cfg, pool));
  auto r = ask<stats_report>(sup, stats_atom::value, me);
  run();
  EXPECT_FALSE(r->done);
  advance(cfg.query_timeout);
  ASSERT_TRUE(r->value) << describe(r->error);
  EXPECT_EQ(r->value->max_sessions, 7);
  EXPECT_EQ(r->value->pool.created, 0);
  // The next call asks again.
  auto again = ask<stats_report>(sup, stats_atom::value, me);
  run();
  EXPECT_FALSE(again->done);
  advance(cfg.query_timeout);
  EXPECT_TRUE(again->value);
}

const std::string other = "client-2";

TEST_F(supervisor_actor_test, a_full_server_evicts_the_longest_idle_session_of_an_idle_client) {
  auto sup = make_supervisor(2);
  open(sup, other, "old");
  advance(5s);
  open(sup, other, "newer");
  advance(30s);
  // Not before --evict-idle: the refusal is at once, and says how a session could be had.
  auto early = open(sup, me, "mine");
  ASSERT_TRUE(early->done);
  EXPECT_EQ(early->error, errc::session_limit_reached);
  EXPECT_NE(describe(early->error).find("--evict-idle"), std::string::npos);
  advance(30s); // both of the other client's sessions are past 60 s now
  auto later = open(sup, me, "mine");
  ASSERT_TRUE(later->value) << describe(later->error);
  auto theirs = stats(sup, other);
  ASSERT_EQ(theirs.sessions.size(), 1u);
  EXPECT_EQ(theirs.sessions[0].id, "newer");
  EXPECT_EQ(theirs.sessions_evicted, 1);
  EXPECT_EQ(theirs.server_sessions, 2);
  // Its client hears why once; after that the id starts afresh (if there is room).
  auto back = open(sup, other, "old");
  EXPECT_EQ(back->error, errc::session_evicted);
  EXPECT_NE(describe(back->error).find("to make room"), std::string::npos);
  auto again = open(sup, other, "old");
  EXPECT_EQ(again->error, errc::session_limit_reached); // "mine" is in use, "newer" is theirs
}

TEST_F(supervisor_actor_test, a_session_of_a_client_active_elsewhere_is_not_evicted) {
  auto sup = make_supervisor(2);
  ask<session_handle>(sup, open_atom::value, other, std::string{"parked"});
  auto used = open(sup, other, "used");
  ASSERT_TRUE(used->value);
  advance(120s);
  ask<encoded_image>(used->value->session, screenshot_atom::value, image_format::png);
  run();
  // "parked" has been idle for two minutes, but its client works on "used" just now.
  auto mine = open(sup, me, "mine");
  EXPECT_EQ(mine->error, errc::session_limit_reached);
  EXPECT_EQ(stats(sup, other).sessions.size(), 2u);
}

TEST_F(supervisor_actor_test, a_client_never_evicts_its_own_sessions_and_zero_turns_eviction_off) {
  auto own_limit = make_supervisor(1);
  open(own_limit, me, "a");
  advance(120s);
  auto second = open(own_limit, me, "b");
  EXPECT_EQ(second->error, errc::session_limit_reached);
  auto off = make_supervisor(1, 600s, 60s, 0, caf::timespan{0});
  open(off, other, "a");
  advance(120s);
  auto refused = open(off, me, "b");
  EXPECT_EQ(refused->error, errc::session_limit_reached);
  EXPECT_NE(describe(refused->error).find("--evict-idle 0"), std::string::npos);
}

TEST_F(supervisor_actor_test, says_how_long_a_clients_sessions_have_all_been_idle) {
  auto sup = make_supervisor(5);
  auto idle_of = [&](const std::string& client) {
    auto r = ask<int64_t>(sup, idle_atom::value, client);
    run();
    EXPECT_TRUE(r->value);
    return r->value.value_or(-1);
  };
  EXPECT_EQ(idle_of(me), std::numeric_limits<int64_t>::max()); // none
  open(sup, me, "a");
  advance(20s);
  open(sup, me, "b");
  advance(10s);
  EXPECT_EQ(idle_of(me), 10'000); // the most recently used one counts
  EXPECT_EQ(idle_of(other), std::numeric_limits<int64_t>::max());
}

TEST_F(supervisor_actor_test, the_overview_shows_every_clients_sessions_and_whose_they_are) {
  auto sup = make_supervisor(10);
  open(sup, "client-a", "s1");
  open(sup, "client-b", "s1");
  open(sup, me, "mine");
  EXPECT_EQ(stats(sup, "client-a").sessions.size(), 1u); // a client still sees only its own
  auto all = ask<stats_report>(sup, overview_atom::value);
  run();
  ASSERT_TRUE(all->value) << describe(all->error);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& info : all->value->sessions) {
    seen.emplace(info.client, info.id);
    EXPECT_EQ(info.status, session_status::ready);
    EXPECT_GT(info.image_width, 0);
  }
  EXPECT_EQ(seen, (std::set<std::pair<std::string, std::string>>{
                    {"client-a", "s1"}, {"client-b", "s1"}, {me, "mine"}}));
  EXPECT_EQ(all->value->server_sessions, 3);
}
