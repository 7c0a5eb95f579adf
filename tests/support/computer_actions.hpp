#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "messages/computer_messages.hpp"

namespace cua::test {

/// Returns an action of `kind` at (x, y), in the space the computer under test expects.
inline computer_action action_at(action_kind kind, int32_t x, int32_t y) {
  computer_action a;
  a.kind = kind;
  a.has_coordinate = true;
  a.x = x;
  a.y = y;
  return a;
}

/// Returns an action of `kind` without a coordinate, carrying `text` (keys, text to type,
/// modifiers).
inline computer_action action_with_text(action_kind kind, std::string text = {}) {
  computer_action a;
  a.kind = kind;
  a.text = std::move(text);
  return a;
}

} // namespace cua::test
