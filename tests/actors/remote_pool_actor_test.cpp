#include "actors/remote_pool_actor.hpp"

#include <map>
#include <set>

#include "actors/host_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"

using namespace cua;
using namespace std::chrono_literals;

namespace {

// Stands in for CAF's middleman: "connects" to the host actors of this test by port; a port not
// in `hosts` is unreachable.
struct fake_network {
  std::map<uint16_t, host_api> hosts;
};

caf::io::middleman_actor::behavior_type fake_middleman(caf::io::middleman_actor::pointer self,
                                                       std::shared_ptr<fake_network> net) {
  auto no = [] { return caf::make_error(caf::sec::unexpected_message); };
  return {
    [=](caf::publish_atom, uint16_t, caf::strong_actor_ptr&, std::set<std::string>&, std::string&,
        bool) -> caf::result<uint16_t> { return no(); },
    [=](caf::open_atom, uint16_t, std::string&, bool) -> caf::result<uint16_t> { return no(); },
    [=](caf::connect_atom, std::string&, uint16_t port)
      -> caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>> {
      auto i = net->hosts.find(port);
      if (i == net->hosts.end())
        return caf::make_error(caf::sec::cannot_connect_to_node);
      return {self->system().node(), caf::actor_cast<caf::strong_actor_ptr>(i->second),
              std::set<std::string>{}};
    },
    [=](caf::unpublish_atom, const caf::actor_addr&, uint16_t) {},
    [=](caf::close_atom, uint16_t) {},
    [=](caf::spawn_atom, caf::node_id&, std::string&, caf::message&, std::set<std::string>&)
      -> caf::result<caf::strong_actor_ptr> { return no(); },
    [=](caf::get_atom, caf::node_id&) -> caf::result<caf::node_id, std::string, uint16_t> {
      return no();
    },
  };
}

class remote_pool_actor_test : public test::deterministic {
protected:
  std::shared_ptr<fake_network> net_ = std::make_shared<fake_network>();

  /// A computer host of `size` sim computers, reachable on `port` once the test says so.
  host_api make_host(int32_t size, const std::string& secret = "k") {
    return own(sys().spawn(host_actor, host_config{secret, size}, sim_pool(size)));
  }

  pool_api make_front(std::vector<uint16_t> ports, const std::string& secret = "k",
                      bool settle = true) {
    remote_pool_config cfg;
    for (auto port : ports)
      cfg.hosts.push_back({"h", port});
    cfg.secret = secret;
    cfg.middleman = own(sys().spawn(fake_middleman, net_));
    auto pool = own(sys().spawn(remote_pool_actor, cfg));
    if (settle)
      run();
    return pool;
  }

  struct borrower {
    std::shared_ptr<test::reply<computer_lease>> lease;
    caf::actor actor;
  };

  borrower borrow(pool_api pool) {
    auto r = ask<computer_lease>(pool, acquire_atom::value);
    auto actor = asker();
    run();
    return {r, actor};
  }

  template <class Handle>
  pool_stats stats(Handle pool) {
    auto r = ask<pool_stats>(pool, stats_atom::value);
    run();
    EXPECT_TRUE(r->value) << caf::to_string(r->error);
    return r->value.value_or(pool_stats{});
  }
};

} // namespace

TEST_F(remote_pool_actor_test, places_each_computer_on_the_host_with_the_most_free_room) {
  net_->hosts[1] = make_host(2);
  net_->hosts[2] = make_host(3);
  auto front = make_front({1, 2});
  std::map<std::string, int> per_host;
  std::vector<borrower> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(borrow(front));
    ASSERT_TRUE(held.back().lease->value) << caf::to_string(held.back().lease->error);
    auto id = held.back().lease->value->info.id;
    ++per_host[id.substr(0, id.find('/'))];
  }
  // 3 free on h:2 first, then 2 and 2, then 1 and 2 ... two each after four.
  EXPECT_EQ(per_host["h:1"], 2);
  EXPECT_EQ(per_host["h:2"], 2);
  auto s = stats(front);
  EXPECT_EQ(s.size, 5);
  EXPECT_EQ(s.in_use, 4);
  ASSERT_EQ(s.hosts.size(), 2u);
  EXPECT_EQ(s.hosts[1].address, "h:2");
  EXPECT_EQ(s.hosts[1].state, "joined");
  EXPECT_EQ(s.hosts[1].capacity, 3);
  EXPECT_EQ(s.hosts[1].in_use, 2);
  // A borrower that stops gives its computer back to the host it came from.
  caf::anon_send_exit(held[0].actor, caf::exit_reason::user_shutdown);
  run();
  EXPECT_EQ(stats(front).in_use, 3);
}

TEST_F(remote_pool_actor_test, a_computer_asked_for_before_the_hosts_joined_waits_for_them) {
  net_->hosts[1] = make_host(1);
  auto front = make_front({1, 2}, "k", false); // nothing has run: both are being connected to
  auto b = borrow(front);
  ASSERT_TRUE(b.lease->value) << caf::to_string(b.lease->error);
  EXPECT_EQ(b.lease->value->info.id.rfind("h:1/", 0), 0u);
  // With every host down, a request is refused at once, naming each host and why.
  auto lone = make_front({3}, "k", false);
  auto refused = borrow(lone);
  ASSERT_FALSE(refused.lease->value);
  EXPECT_NE(describe(refused.lease->error).find("h:3: "), std::string::npos);
}

TEST_F(remote_pool_actor_test, one_queue_across_hosts_in_order_bounded_by_the_acquire_timeout) {
  net_->hosts[1] = make_host(1);
  net_->hosts[2] = make_host(1);
  auto front = make_front({1, 2}); // acquire_timeout 30 s
  auto first = borrow(front);
  auto second = borrow(front);
  ASSERT_TRUE(first.lease->value && second.lease->value);
  auto third = borrow(front); // both hosts are full: it waits at the front, not at one host
  auto fourth = borrow(front);
  EXPECT_FALSE(third.lease->done);
  EXPECT_FALSE(fourth.lease->done);
  // The computer of the first borrower (whichever host it is on) goes to the third, in order.
  caf::anon_send_exit(first.actor, caf::exit_reason::user_shutdown);
  run();
  ASSERT_TRUE(third.lease->value) << caf::to_string(third.lease->error);
  EXPECT_EQ(third.lease->value->info.id.substr(0, 3), first.lease->value->info.id.substr(0, 3));
  EXPECT_FALSE(fourth.lease->done);
  advance(31s);
  ASSERT_TRUE(fourth.lease->done);
  ASSERT_FALSE(fourth.lease->value);
  auto text = describe(fourth.lease->error);
  EXPECT_NE(text.find("all 2 computers of the 2 joined host(s) are in use"), std::string::npos)
    << text;
}

TEST_F(remote_pool_actor_test, local_computers_are_placed_beside_the_hosts) {
  net_->hosts[1] = make_host(1);
  remote_pool_config cfg;
  cfg.hosts.push_back({"h", 1});
  cfg.secret = "k";
  cfg.middleman = own(sys().spawn(fake_middleman, net_));
  cfg.local_pool = sim_pool(2);
  cfg.local_capacity = 2;
  auto front = own(sys().spawn(remote_pool_actor, cfg));
  run();
  std::map<std::string, int> per_place;
  std::vector<borrower> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(borrow(front));
    ASSERT_TRUE(held.back().lease->value) << caf::to_string(held.back().lease->error);
    auto id = held.back().lease->value->info.id;
    ++per_place[id.substr(0, id.find('/'))];
  }
  EXPECT_EQ(per_place["local"], 2);
  EXPECT_EQ(per_place["h:1"], 1);
  auto s = stats(front);
  EXPECT_EQ(s.size, 3);
  ASSERT_EQ(s.hosts.size(), 2u);
  EXPECT_EQ(s.hosts[0].address, "local");
}

TEST_F(remote_pool_actor_test, a_wrong_secret_joins_no_host) {
  net_->hosts[1] = make_host(2, "right");
  auto front = make_front({1}, "wrong");
  auto b = borrow(front);
  ASSERT_FALSE(b.lease->value);
  auto text = describe(b.lease->error);
  EXPECT_NE(text.find("no computer host is reachable"), std::string::npos) << text;
  EXPECT_NE(text.find("wrong node secret"), std::string::npos) << text;
}

TEST_F(remote_pool_actor_test, an_unreachable_host_is_tried_again_with_backoff) {
  auto front = make_front({7});
  EXPECT_FALSE(borrow(front).lease->value); // nobody there yet
  net_->hosts[7] = make_host(1);
  advance(1s); // the first retry
  auto b = borrow(front);
  EXPECT_TRUE(b.lease->value) << caf::to_string(b.lease->error);
}

TEST_F(remote_pool_actor_test, a_host_answers_nothing_before_its_challenge_is_met) {
  auto host = make_host(1);
  auto lease = ask<computer_lease>(host, acquire_atom::value);
  run();
  ASSERT_FALSE(lease->value);
  EXPECT_NE(describe(lease->error).find("has not joined"), std::string::npos);
  auto joined = ask<int32_t>(host, join_atom::value, std::string{"f"}, std::string{"guess"});
  run();
  EXPECT_FALSE(joined->value); // no challenge was asked for, so no proof can be right
}
