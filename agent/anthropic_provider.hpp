#pragma once

#include <string>

#include <caf/local_actor.hpp>
#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

#include "agent/model_registry.hpp"

#include "agent/http_client.hpp"
#include "agent/provider_settings.hpp"
#include "messages/agent_messages.hpp"

namespace cua {

/// The computer tool version and the beta header it needs.
constexpr const char* anthropic_computer_tool = "computer_20250124";
constexpr const char* anthropic_computer_beta = "computer-use-2025-01-24";

/// Returns the Messages API request for the next turn of `request`.
http_request anthropic_request(const model_request& request, const provider_settings& settings);

/// Returns the turn in a Messages API response, or the provider's error.
caf::expected<model_turn> anthropic_turn(const http_response& response,
                                         const provider_settings& settings);

/// Returns an `anthropic/<model>` provider actor linked to `task` (ANTHROPIC_API_KEY,
/// ANTHROPIC_BASE_URL).
caf::expected<model_api> spawn_anthropic_model(caf::local_actor* task,
                                                const std::string& model,
                                                const model_options& options);

} // namespace cua
