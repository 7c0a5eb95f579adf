#pragma once

#include <functional>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include "computers/computer.hpp"
#include "computers/rgb_image.hpp"
#include "messages/computer_messages.hpp"

namespace cua {

struct computer_state {
  std::shared_ptr<computer> backend;
  computer_info info;
  bool started = false;
  rgb_image frame;  // reused for every capture
  rgb_image scaled; // reused when the screen is larger than the image budget

  ~computer_state();

  static inline const char* name = "computer";
};

/// Drives one computer backend. Its calls block, so production code spawns this actor detached (a
/// thread of its own); the mailbox then makes every action on the screen happen one at a time.
///
/// Messages: (start) -> computer_info; (screenshot, format) -> encoded_image;
/// (perform, computer_action) -> action_outcome, coordinates in image space; (reset) ->
/// computer_info; (stop) -> unit, then the actor ends. The backend is destroyed whenever the actor
/// ends, for whatever reason.
caf::behavior computer_actor(caf::stateful_actor<computer_state>* self,
                             std::shared_ptr<computer> backend);

/// A computer actor, with the way to end its backend's processes from outside when a call on it
/// hangs (the actor itself is blocked then and reads no message).
struct spawned_computer {
  caf::actor actor;
  std::function<void()> interrupt;
};

/// Spawns a computer actor on `backend`: detached (production, as its calls block) or on the
/// scheduler (tests on the deterministic one).
spawned_computer spawn_computer(caf::actor_system& sys, std::shared_ptr<computer> backend,
                                bool detached = true);

} // namespace cua
