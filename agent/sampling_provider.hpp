#pragma once

#include <string>

#include <caf/local_actor.hpp>
#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "agent/model_registry.hpp"
#include "messages/agent_messages.hpp"

namespace cua {

/// Returns the params of a sampling/createMessage request (MCP 2025-11-25, with tools) for the next
/// turn of `request`.
nlohmann::json sampling_request(const model_request& request);

/// Returns the turn in a sampling/createMessage result (single content or an array of blocks).
caf::expected<model_turn> sampling_turn(const nlohmann::json& result);

/// Returns a `sampling` provider actor linked to `task`: the MCP client's own model, asked through
/// the client connection (options.client). The client must have declared sampling with tools.
caf::expected<model_api> spawn_sampling_model(caf::local_actor* task,
                                               const std::string& argument,
                                               const model_options& options);

} // namespace cua
