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

/// Returns the chat-completions request for the next turn of `request`: a `computer` function whose
/// parameters mirror the computer tool's actions, screenshots as data URLs in user messages.
http_request openai_request(const model_request& request, const provider_settings& settings);

/// Returns the turn in a chat-completions response, or the provider's error.
caf::expected<model_turn> openai_turn(const http_response& response,
                                      const provider_settings& settings);

/// Returns an `openai/<model>` provider actor linked to `task` (OPENAI_API_KEY, OPENAI_BASE_URL;
/// the key may be left out when OPENAI_BASE_URL names a local server that wants none).
caf::expected<model_api> spawn_openai_model(caf::local_actor* task, const std::string& model,
                                             const model_options& options);

} // namespace cua
