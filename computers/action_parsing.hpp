#pragma once

#include <optional>
#include <string>

#include <caf/expected.hpp>
#include <nlohmann/json_fwd.hpp>

#include "messages/computer_messages.hpp"

namespace cua {

/// The most text one `type` action may carry.
constexpr size_t max_type_length = 10'000;

/// Returns the action named `name` ("left_click"), or nothing.
std::optional<action_kind> parse_action_kind(const std::string& name);

/// Returns the name of `kind` as Anthropic's computer tool spells it.
const char* to_string(action_kind kind);

/// Returns the direction called `name` (up, down, left, right), or nothing.
std::optional<scroll_direction> parse_scroll_direction(const std::string& name);

/// Returns the name of `direction`.
const char* to_string(scroll_direction direction);

/// Returns the action described by `input`, an object in the input form of Anthropic's computer
/// tool ({"action": "left_click", "coordinate": [x, y]} ...), or an invalid_action error that says
/// what is wrong in words a model or a user can act on.
caf::expected<computer_action> parse_action(const nlohmann::json& input);

/// Returns a short description for progress messages, e.g. "left_click (640, 400)".
std::string describe(const computer_action& action);

/// Says how the screen settled after an action: "the screen settled after 84 ms", or that it was
/// still changing when the bound came.
std::string describe_settling(const action_outcome& outcome);

} // namespace cua
