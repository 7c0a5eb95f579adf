#pragma once

#include <functional>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

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
  // The live view's pictures: `frame` holds the screen as last captured (by a screenshot or a
  // frame) while `captured`; each different picture gets the next number.
  bool captured = false;
  bool numbered = false; // the captured picture has been compared with the last numbered one
  size_t picture_hash = 0;
  uint64_t picture = 0;

  ~computer_state();

  static inline const char* name = "computer";
};

/// Drives one computer backend, speaking computer_api (messages/computer_messages.hpp); action
/// coordinates are in image space. Its calls block, so production code spawns this actor detached
/// (a thread of its own); the mailbox then makes every action on the screen happen one at a time.
/// The backend is destroyed whenever the actor ends, for whatever reason.
computer_api::behavior_type computer_actor(computer_api::stateful_pointer<computer_state> self,
                                           std::shared_ptr<computer> backend);

/// A computer actor, with the way to end its backend's processes from outside when a call on it
/// hangs (the actor itself is blocked then and reads no message).
struct spawned_computer {
  computer_api actor;
  std::function<void()> interrupt;
};

/// Spawns a computer actor on `backend`: detached (production, as its calls block) or on the
/// scheduler (tests on the deterministic one).
spawned_computer spawn_computer(caf::actor_system& sys, std::shared_ptr<computer> backend,
                                bool detached = true);

} // namespace cua
