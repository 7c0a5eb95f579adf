#include "transport/http_listener.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include "mcp/http_rules.hpp"
#include "messages/atoms.hpp"
#include "messages/register_messages.hpp"
#include "tests/support/http_test_client.hpp"
#include "transport/http_exchange.hpp"
#include "transport/slot_request.hpp"

using namespace cua;
using namespace cua::test;

namespace {

/// An actor system that knows our message types.
struct registered_config : caf::actor_system_config {
  registered_config() { register_messages(*this); }
};

/// Returns a client actor that has already ended (without telling the transport).
caf::actor ended_client(caf::actor_system& sys) {
  auto gone = sys.spawn([](caf::event_based_actor* self) { self->quit(); });
  caf::scoped_actor waiter{sys};
  waiter->wait_for(gone);
  return gone;
}

const char* initialize_body = R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";

/// A listener on a loopback port of the kernel's choosing, with an actor system for its clients.
class http_listener_test : public ::testing::Test {
protected:
  http_listener_test() { options_.port = 0; }

  registered_config cfg_;
  caf::actor_system sys_{cfg_};
  http_options options_;
};

} // namespace

// A request that reaches a client actor which has just ended (its end and the request crossed)
// is dropped with the message; the peer must hear so, not wait for an answer that never comes.
TEST_F(http_listener_test, a_request_for_a_client_that_already_ended_is_answered_not_left_waiting) {
  http_listener listener(options_, std::make_shared<mcp_http_rules>(), [this](const std::string&, const std::string&, std::function<void(const std::string&)>) {
    return ended_client(sys_);
  });
  ASSERT_FALSE(listener.start());
  connection c(listener.port());
  auto a = c.send(http::verb::post, initialize_body);
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.error()["error"]["code"], -32001);
  listener.stop();
}

// At --max-clients a new client waits while the idle ones are asked for their slots; one that
// never answers does not make it wait without end, and one that has ended counts as a no.
TEST_F(http_listener_test, a_search_for_a_client_slot_is_bounded_and_ends_in_a_clear_503) {
  options_.max_clients = 2;
  auto kept = std::make_shared<std::vector<slot_request_ptr>>();
  int spawned = 0;
  http_listener listener(options_, std::make_shared<mcp_http_rules>(), [&](const std::string&, const std::string&, std::function<void(const std::string&)>) {
    if (spawned++ == 0)
      return ended_client(sys_);
    // One that answers its requests but sits on the question for its slot.
    return sys_.spawn([kept](caf::event_based_actor*) -> caf::behavior {
      return {
        [](post_atom, http_post& post) { post.exchange->respond(200, "application/json", "{}"); },
        [kept](reclaim_atom, const slot_request_ptr& request) { kept->push_back(request); },
      };
    });
  });
  ASSERT_FALSE(listener.start());
  connection first(listener.port());
  EXPECT_EQ(first.send(http::verb::post, initialize_body).status, 404);
  connection second(listener.port());
  EXPECT_EQ(second.send(http::verb::post, initialize_body).status, 200);
  connection third(listener.port());
  auto start = std::chrono::steady_clock::now();
  auto refused = third.send(http::verb::post, initialize_body);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.error()["error"]["message"].get<std::string>().find("--max-clients"),
            std::string::npos);
  EXPECT_GE(std::stoi(refused.headers["retry-after"]), 1);
  EXPECT_EQ(kept->size(), 1u); // the ended client was skipped (its question dropped), this one asked
  EXPECT_LT(waited, std::chrono::seconds(5));
  kept->clear(); // answered "no" when dropped, after the search gave up: nothing happens
  listener.stop();
}
