#pragma once

#include <memory>

#include <caf/stateful_actor.hpp>

#include "mcp/call_context.hpp"

namespace cua {

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
