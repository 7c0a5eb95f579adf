#include "actors/pool_actor.hpp"

#include <algorithm>
#include <set>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"

using namespace cua;
using namespace std::chrono_literals;

namespace {

class pool_actor_test : public test::deterministic {
protected:
  pool_api make_pool(int32_t size, int32_t warm, caf::timespan acquire_timeout = 30s) {
    pool_config cfg;
    cfg.size = size;
    cfg.warm = warm;
    cfg.acquire_timeout = acquire_timeout;
    return own(sys().spawn(pool_actor, cfg, sim_spawner()));
  }

  pool_stats stats(pool_api pool) {
    auto r = ask<pool_stats>(pool, stats_atom::value);
    run();
    EXPECT_TRUE(r->value);
    return r->value.value_or(pool_stats{});
  }

  // Keeps the asking actor (the borrower) alive: a borrower that ends gives its computer back.
  struct borrower {
    std::shared_ptr<test::reply<computer_lease>> lease;
    caf::actor actor;
  };

  borrower borrow(pool_api pool) {
    auto r = ask<computer_lease>(pool, acquire_atom::value);
    return {r, asker()};
  }
};

} // namespace

TEST_F(pool_actor_test, starts_warm_spares_ahead_of_demand) {
  auto pool = make_pool(4, 2);
  run();
  auto s = stats(pool);
  EXPECT_EQ(s.idle, 2);
  EXPECT_EQ(s.created, 2);
  EXPECT_EQ(s.in_use, 0);
}

TEST_F(pool_actor_test, hands_out_distinct_computers_and_refills_spares) {
  auto pool = make_pool(4, 1);
  run();
  auto a = borrow(pool);
  auto b = borrow(pool);
  run();
  ASSERT_TRUE(a.lease->value);
  ASSERT_TRUE(b.lease->value);
  EXPECT_NE(a.lease->value->info.id, b.lease->value->info.id);
  auto s = stats(pool);
  EXPECT_EQ(s.in_use, 2);
  EXPECT_EQ(s.idle, 1);
}

TEST_F(pool_actor_test, queues_in_fifo_order_when_full_and_serves_on_release) {
  auto pool = make_pool(1, 0);
  auto holder = borrow(pool);
  run();
  ASSERT_TRUE(holder.lease->value);
  auto first = borrow(pool);
  auto second = borrow(pool);
  run();
  EXPECT_FALSE(first.lease->done);
  EXPECT_FALSE(second.lease->done);
  EXPECT_EQ(stats(pool).waiting, 2);
  caf::anon_send(pool, release_atom::value, holder.lease->value->computer);
  run();
  ASSERT_TRUE(first.lease->value);
  EXPECT_FALSE(second.lease->done);
  EXPECT_EQ(first.lease->value->info.id, holder.lease->value->info.id);
}

TEST_F(pool_actor_test, a_queued_acquire_times_out_with_a_clear_error) {
  auto pool = make_pool(1, 0, 30s);
  auto holder = borrow(pool);
  run();
  auto waiting = borrow(pool);
  run();
  advance(29s);
  EXPECT_FALSE(waiting.lease->done);
  advance(2s);
  ASSERT_TRUE(waiting.lease->done);
  EXPECT_EQ(waiting.lease->error, errc::pool_timeout);
  EXPECT_NE(describe(waiting.lease->error).find("within 30 s"), std::string::npos);
  auto s = stats(pool);
  EXPECT_EQ(s.timed_out, 1);
  EXPECT_EQ(s.waiting, 0);
}

TEST_F(pool_actor_test, takes_back_a_dead_borrowers_computer) {
  auto pool = make_pool(1, 0);
  auto holder = borrow(pool);
  run();
  ASSERT_TRUE(holder.lease->value);
  auto waiting = borrow(pool);
  run();
  EXPECT_FALSE(waiting.lease->done);
  caf::anon_send_exit(holder.actor, caf::exit_reason::kill);
  run();
  ASSERT_TRUE(waiting.lease->value);
  EXPECT_EQ(waiting.lease->value->info.id, holder.lease->value->info.id);
}

TEST_F(pool_actor_test, resets_a_computer_before_the_next_borrower_gets_it) {
  auto pool = make_pool(1, 0);
  auto first = borrow(pool);
  run();
  ASSERT_TRUE(first.lease->value);
  auto computer = first.lease->value->computer;
  auto fresh = ask<encoded_image>(computer, screenshot_atom::value, image_format::png);
  computer_action click;
  click.kind = action_kind::left_click;
  click.has_coordinate = true;
  click.x = 300;
  click.y = 300;
  auto clicked = ask<action_outcome>(computer, perform_atom::value, click);
  auto dirty = ask<encoded_image>(computer, screenshot_atom::value, image_format::png);
  run();
  ASSERT_TRUE(fresh->value && dirty->value && clicked->value);
  EXPECT_NE(fresh->value->bytes, dirty->value->bytes);
  caf::anon_send(pool, release_atom::value, computer);
  auto second = borrow(pool);
  run();
  ASSERT_TRUE(second.lease->value);
  EXPECT_EQ(second.lease->value->computer, computer);
  auto after = ask<encoded_image>(computer, screenshot_atom::value, image_format::png);
  run();
  ASSERT_TRUE(after->value);
  EXPECT_EQ(after->value->bytes, fresh->value->bytes);
}

TEST_F(pool_actor_test, replaces_a_computer_that_dies) {
  auto pool = make_pool(2, 1);
  run();
  auto holder = borrow(pool);
  run();
  ASSERT_TRUE(holder.lease->value);
  caf::anon_send_exit(holder.lease->value->computer, caf::exit_reason::kill);
  run();
  auto s = stats(pool);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.in_use, 0);
  EXPECT_EQ(s.idle, 1);
  auto next = borrow(pool);
  run();
  EXPECT_TRUE(next.lease->value);
}

TEST_F(pool_actor_test, reports_a_backend_that_cannot_start) {
  pool_config cfg;
  cfg.size = 2;
  cfg.warm = 0;
  auto pool = own(sys().spawn(pool_actor, cfg, [](caf::actor_system& sys, const std::string& id) {
    auto c = std::shared_ptr<computer>(make_sim_computer(id, backend_options{}));
    auto spawned = spawn_computer(sys, c, false);
    caf::anon_send_exit(spawned.actor, caf::exit_reason::kill); // dies before it can start
    return spawned;
  }));
  auto r = borrow(pool);
  run();
  ASSERT_TRUE(r.lease->done);
  EXPECT_EQ(r.lease->error, errc::computer_failed);
}

TEST_F(pool_actor_test, shutdown_without_computers_answers_at_once) {
  auto pool = make_pool(3, 0);
  auto done = ask_done(pool, shutdown_atom::value);
  run();
  EXPECT_TRUE(done->value) << describe(done->error);
}

TEST_F(pool_actor_test, shutdown_stops_every_computer_and_refuses_new_work) {
  auto pool = make_pool(3, 2);
  run();
  auto waiting = borrow(pool);
  run();
  auto done = ask_done(pool, shutdown_atom::value);
  run();
  EXPECT_TRUE(done->done);
  EXPECT_FALSE(done->error);
}

namespace {

// Fixed computers (the cua backend's URLs): ids in `down` die before they can start, as a
// computer-server that does not answer.
class fixed_pool_test : public pool_actor_test {
protected:
  pool_api make_fixed_pool(std::vector<std::string> ids, int32_t warm,
                             caf::timespan acquire_timeout = 120s) {
    pool_config cfg;
    cfg.size = static_cast<int32_t>(ids.size());
    cfg.warm = warm;
    cfg.fixed_ids = std::move(ids);
    cfg.probe_interval = 30s;
    cfg.acquire_timeout = acquire_timeout;
    auto down = down_;
    auto spawns = spawns_;
    return own(sys().spawn(pool_actor, cfg, [down, spawns](caf::actor_system& sys,
                                                           const std::string& id) {
      spawns->push_back(id);
      auto c = std::shared_ptr<computer>(make_sim_computer(id, backend_options{}));
      auto spawned = spawn_computer(sys, c, false);
      if (down->count(id) > 0)
        caf::anon_send_exit(spawned.actor, caf::exit_reason::kill);
      return spawned;
    }));
  }

  std::shared_ptr<std::set<std::string>> down_ = std::make_shared<std::set<std::string>>();
  std::shared_ptr<std::vector<std::string>> spawns_ = std::make_shared<std::vector<std::string>>();
};

} // namespace

TEST_F(fixed_pool_test, hands_out_exactly_the_given_computers) {
  auto pool = make_fixed_pool({"cua-1", "cua-2"}, 0);
  auto a = borrow(pool);
  auto b = borrow(pool);
  auto c = borrow(pool);
  run();
  ASSERT_TRUE(a.lease->value);
  ASSERT_TRUE(b.lease->value);
  EXPECT_EQ(a.lease->value->info.id, "cua-1");
  EXPECT_EQ(b.lease->value->info.id, "cua-2");
  EXPECT_FALSE(c.lease->done);
  EXPECT_EQ(*spawns_, (std::vector<std::string>{"cua-1", "cua-2"}));
  caf::anon_send(pool, release_atom::value, a.lease->value->computer);
  run();
  ASSERT_TRUE(c.lease->value);
  EXPECT_EQ(c.lease->value->info.id, "cua-1"); // the same computer, reset, not a new one
  EXPECT_EQ(spawns_->size(), 2u);
}

TEST_F(fixed_pool_test, a_computer_that_fails_to_start_rests_until_its_probe_then_serves) {
  down_->insert("cua-1");
  auto pool = make_fixed_pool({"cua-1"}, 1);
  run();
  auto s = stats(pool);
  EXPECT_EQ(s.unavailable, 1);
  EXPECT_EQ(s.idle, 0);
  EXPECT_EQ(s.failed, 1);
  // Nothing could serve before the probe: a borrower hears why at once instead of waiting.
  auto refused = borrow(pool);
  run();
  ASSERT_TRUE(refused.lease->done);
  EXPECT_EQ(refused.lease->error, errc::computer_failed);
  EXPECT_NE(describe(refused.lease->error).find("all 1 are out of service"), std::string::npos)
    << describe(refused.lease->error);
  advance(29s);
  EXPECT_EQ(spawns_->size(), 1u); // not hammered while it rests
  down_->clear();
  advance(1s);
  EXPECT_EQ(stats(pool).unavailable, 0);
  auto served = borrow(pool);
  run();
  ASSERT_TRUE(served.lease->value) << describe(served.lease->error);
  EXPECT_EQ(served.lease->value->info.id, "cua-1");
}

TEST_F(fixed_pool_test, a_computer_that_stays_down_rests_again_after_each_probe) {
  down_->insert("cua-2");
  auto pool = make_fixed_pool({"cua-1", "cua-2"}, 2);
  run();
  auto s = stats(pool);
  EXPECT_EQ(s.idle, 1);
  EXPECT_EQ(s.unavailable, 1);
  advance(30s);
  EXPECT_EQ(stats(pool).unavailable, 1);
  EXPECT_EQ(std::count(spawns_->begin(), spawns_->end(), "cua-2"), 2);
}

TEST_F(fixed_pool_test, a_computer_that_dies_on_loan_leaves_the_pool_and_comes_back) {
  auto pool = make_fixed_pool({"cua-1"}, 1);
  auto holder = borrow(pool);
  run();
  ASSERT_TRUE(holder.lease->value);
  down_->insert("cua-1");
  caf::anon_send_exit(holder.lease->value->computer, caf::exit_reason::kill);
  run();
  auto s = stats(pool);
  EXPECT_EQ(s.in_use, 0);
  EXPECT_EQ(s.unavailable, 1);
  down_->clear();
  advance(30s);
  s = stats(pool);
  EXPECT_EQ(s.unavailable, 0);
  EXPECT_EQ(s.idle, 1);
}

TEST_F(fixed_pool_test, a_broken_computer_rests_and_a_waiter_hears_it_is_out_of_service) {
  auto pool = make_fixed_pool({"cua-1", "cua-2"}, 0, 10s);
  auto holder = borrow(pool);
  auto victim = borrow(pool);
  run();
  ASSERT_TRUE(holder.lease->value);
  ASSERT_TRUE(victim.lease->value);
  down_->insert(victim.lease->value->info.id);
  caf::anon_send(pool, broken_atom::value, victim.lease->value->computer,
                 std::string("did not answer"));
  run();
  EXPECT_EQ(stats(pool).unavailable, 1);
  // One computer is still on loan and may come back: a new borrower waits for it, within bounds.
  auto waiting = borrow(pool);
  run();
  advance(10s);
  ASSERT_TRUE(waiting.lease->done);
  EXPECT_EQ(waiting.lease->error, errc::pool_timeout);
  EXPECT_NE(describe(waiting.lease->error).find("1 out of service"), std::string::npos)
    << describe(waiting.lease->error);
  // Once that one breaks too, nothing is left: a waiter is refused at once, with the reason.
  auto next = borrow(pool);
  run();
  EXPECT_FALSE(next.lease->done);
  caf::anon_send(pool, broken_atom::value, holder.lease->value->computer,
                 std::string("did not answer within 30 s"));
  run();
  ASSERT_TRUE(next.lease->done);
  EXPECT_EQ(next.lease->error, errc::computer_failed);
  EXPECT_NE(describe(next.lease->error).find("did not answer within 30 s"), std::string::npos)
    << describe(next.lease->error);
}

TEST_F(pool_actor_test, a_broken_computer_is_interrupted_so_a_hung_call_returns) {
  // The interrupt is how a computer blocked in a call to a hung program is freed: the pool must
  // use it for a computer reported broken, and only for that one.
  auto interrupted = std::make_shared<std::vector<std::string>>();
  pool_config cfg;
  cfg.size = 2;
  cfg.warm = 0;
  auto pool = own(sys().spawn(pool_actor, cfg, [interrupted](caf::actor_system& sys,
                                                             const std::string& id) {
    auto spawned = spawn_computer(sys, make_sim_computer(id, backend_options{}), false);
    spawned.interrupt = [interrupted, id] { interrupted->push_back(id); };
    return spawned;
  }));
  auto kept = borrow(pool);
  auto broken = borrow(pool);
  run();
  ASSERT_TRUE(kept.lease->value);
  ASSERT_TRUE(broken.lease->value);
  caf::anon_send(pool, release_atom::value, kept.lease->value->computer);
  caf::anon_send(pool, broken_atom::value, broken.lease->value->computer,
                 std::string("did not answer"));
  run();
  EXPECT_EQ(*interrupted, std::vector<std::string>{broken.lease->value->info.id});
  EXPECT_EQ(stats(pool).failed, 1);
}
