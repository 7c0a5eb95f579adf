#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "agent/http_client.hpp"
#include "agent/provider_settings.hpp"
#include "messages/agent_messages.hpp"

// What the HTTP providers (anthropic, openai) share of their wire formats.

namespace cua {

/// Returns the POST of one model call to `path` under the settings' base URL: a JSON body with the
/// model, max_tokens, `tools` and `messages`, sent with `headers` (content-type is added).
http_request model_post(const provider_settings& settings, const std::string& path,
                        std::vector<std::string> headers, nlohmann::json tools,
                        nlohmann::json messages);

/// Returns the JSON object `provider` answered with, or why there is none (a failed status, a body
/// that is not a JSON object).
caf::expected<nlohmann::json> reply_object(const std::string& provider,
                                           const provider_settings& settings,
                                           const http_response& response);

/// Reads the token counts of a reply's "usage" object, under the provider's names for them.
void read_usage(const nlohmann::json& reply, const char* input_key, const char* output_key,
                model_turn& turn);

} // namespace cua
