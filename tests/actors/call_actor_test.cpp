#include "mcp/call_actor.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "messages/atoms.hpp"
#include "tests/actors/deterministic.hpp"

using namespace cua;
using nlohmann::json;

namespace {

class call_actor_test : public test::deterministic {};

} // namespace

TEST_F(call_actor_test, an_exception_in_a_tool_handler_becomes_a_tool_error) {
  tool_definition broken{"broken", "Broken", "throws", {{"type", "object"}}, nullptr, nullptr,
                         [](tool_context&) -> void { throw std::runtime_error("kaboom"); }};
  auto answers = std::make_shared<std::vector<std::string>>();
  auto bridge = own(sys().spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {[=](call_done_atom, const std::string&, uint64_t, const std::string& line, bool) { answers->push_back(line); }};
  }));
  call_setup setup;
  setup.tool = &broken;
  setup.arguments = json::object();
  setup.request_key = "7";
  setup.request_id = 7;
  setup.protocol_version = "2025-11-25";
  setup.bridge = bridge;
  sys().spawn(call_actor, setup);
  run();
  ASSERT_EQ(answers->size(), 1u);
  auto response = json::parse(answers->front());
  EXPECT_EQ(response["id"], 7);
  EXPECT_EQ(response["result"]["isError"], true);
  EXPECT_NE(response["result"]["content"][0]["text"].get<std::string>().find("kaboom"), std::string::npos);
}
