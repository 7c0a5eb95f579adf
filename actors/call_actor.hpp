#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <nlohmann/json.hpp>

#include "tools/tool.hpp"

namespace cua {

/// Everything one tools/call starts with.
struct call_setup {
  const tool_definition* tool = nullptr;
  nlohmann::json arguments;
  std::string request_key;        // the request id as text, the bridge's key for the call
  nlohmann::json request_id;
  nlohmann::json progress_token;  // null: the client wants no progress
  std::string protocol_version;
  caf::actor bridge;
  tool_services services;
  caf::timespan heartbeat_interval = std::chrono::seconds(5);
};

class call_context;

struct call_state {
  call_state();
  ~call_state();

  std::unique_ptr<call_context> context;
  static inline const char* name = "tool_call";
};

/// Runs one tools/call: the tool's handler and its continuations, progress notifications (with a
/// heartbeat while nothing else happens), and the response, all sent through the bridge. Killing
/// the actor cancels the call; whoever works for it (a session's task, an ephemeral session)
/// watches it and stops too.
caf::behavior call_actor(caf::stateful_actor<call_state>* self, call_setup setup);

} // namespace cua
