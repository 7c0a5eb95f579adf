#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace cua {

/// Returns the JSON schema of one computer action (Anthropic's computer-tool input), for providers
/// that describe the tool themselves: OpenAI functions, MCP sampling tools.
nlohmann::json computer_action_schema();

/// Returns the description of the computer tool for a screen of `width` x `height` image pixels.
std::string computer_tool_description(int32_t width, int32_t height);

} // namespace cua
