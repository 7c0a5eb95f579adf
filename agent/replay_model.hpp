#pragma once

#include <string>

#include <caf/local_actor.hpp>
#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

#include "agent/model_registry.hpp"
#include "messages/agent_messages.hpp"

namespace cua {

/// Returns a replay provider for the JSON Lines script at `path`, linked to `task`: each
/// (next_turn, model_request) gets the script's next turn, whatever the request says.
caf::expected<model_api> spawn_replay_model(caf::local_actor* task, const std::string& path,
                                             const model_options& options);

} // namespace cua
