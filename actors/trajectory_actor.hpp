#pragma once

#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "agent/trajectory_store.hpp"
#include "messages/trajectory_messages.hpp"

namespace cua {

struct trajectory_state {
  std::unique_ptr<trajectory_store> store;
  static inline const char* name = "trajectories";
};

/// Records tasks to disk (--trajectory-dir) as their task actors report them. Spawn it detached:
/// it writes files. A write that fails is logged and costs the task nothing.
trajectory_api::behavior_type
trajectory_actor(trajectory_api::stateful_pointer<trajectory_state> self, std::string root,
                 uint64_t max_bytes);

} // namespace cua
