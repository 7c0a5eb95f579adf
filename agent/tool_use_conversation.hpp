#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "messages/agent_messages.hpp"

namespace cua {

/// Returns the messages of `request` in the shape Anthropic's Messages API and MCP sampling share:
/// the task as a user text, each round as an assistant message (text, tool_use blocks for the
/// `computer` tool) and a user message of tool results, each made by `result_block`.
nlohmann::json tool_use_conversation(const model_request& request,
                                     const std::function<nlohmann::json(const tool_output&)>& result_block);

} // namespace cua
