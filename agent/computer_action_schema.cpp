#include "agent/computer_action_schema.hpp"

#include <string>

namespace cua {

nlohmann::json computer_action_schema() {
  nlohmann::json point{{"type", "array"}, {"items", {{"type", "integer"}}}, {"minItems", 2}, {"maxItems", 2}};
  return {{"type", "object"},
          {"properties",
           {{"action",
             {{"type", "string"},
              {"enum",
               {"key", "type", "mouse_move", "left_click", "left_click_drag", "right_click",
                "middle_click", "double_click", "triple_click", "scroll", "hold_key", "wait",
                "screenshot", "cursor_position", "left_mouse_down", "left_mouse_up"}}}},
            {"coordinate", point},
            {"start_coordinate", point},
            {"text", {{"type", "string"}}},
            {"scroll_direction", {{"type", "string"}, {"enum", {"up", "down", "left", "right"}}}},
            {"scroll_amount", {{"type", "integer"}}},
            {"duration", {{"type", "number"}}}}},
          {"required", {"action"}}};
}

std::string computer_tool_description(int32_t width, int32_t height) {
  return "Use the computer: one action per call. The screen is " + std::to_string(width) + "x"
         + std::to_string(height) + " pixels; coordinates are [x, y] in the latest screenshot.";
}

} // namespace cua
