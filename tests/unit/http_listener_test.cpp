#include "transport/http_listener.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include "messages/register_messages.hpp"
#include "tests/support/http_test_client.hpp"

using namespace cua;
using namespace cua::test;

// A request that reaches a client actor which has just ended (its end and the request crossed)
// is dropped with the message; the peer must hear so, not wait for an answer that never comes.
TEST(http_listener, a_request_for_a_client_that_already_ended_is_answered_not_left_waiting) {
  caf::actor_system_config cfg;
  register_messages(cfg);
  caf::actor_system sys{cfg};
  http_options options;
  options.port = 0;
  http_listener listener(options, [&sys](const std::string&, std::function<void(const std::string&)>) {
    auto gone = sys.spawn([](caf::event_based_actor* self) { self->quit(); });
    caf::scoped_actor waiter{sys};
    waiter->wait_for(gone);
    return gone;
  });
  ASSERT_FALSE(listener.start());
  connection c(listener.port());
  auto init = R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  auto a = c.send(http::verb::post, init);
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.error()["error"]["code"], -32001);
  listener.stop();
}
