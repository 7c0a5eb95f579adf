#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"

// What sessions, tasks and the pool say to a computer actor, and what it answers: plain structs
// and enums, so that CAF can carry them between nodes.

namespace cua {

/// The actions of Anthropic's computer tool, which is also the vocabulary of our `computer` tool and
/// of replay scripts.
enum class action_kind : uint8_t {
  key,
  type,
  mouse_move,
  left_click,
  right_click,
  middle_click,
  double_click,
  triple_click,
  left_click_drag,
  left_mouse_down,
  left_mouse_up,
  scroll,
  hold_key,
  wait,
  screenshot,
  cursor_position,
};

/// Where a scroll goes.
enum class scroll_direction : uint8_t { up, down, left, right };

/// One action on a computer. Coordinates are in the screenshot's image space; the computer maps
/// them back to its screen.
struct computer_action {
  action_kind kind = action_kind::screenshot;
  bool has_coordinate = false;
  int32_t x = 0;
  int32_t y = 0;
  bool has_start = false; // left_click_drag: where the drag starts
  int32_t start_x = 0;
  int32_t start_y = 0;
  std::string text;             // key chord, text to type, or modifiers held during a click
  scroll_direction direction = scroll_direction::down; // scroll
  int32_t scroll_amount = 0;
  double duration_s = 0;        // wait, hold_key
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, computer_action& x) {
  return f(caf::meta::type_name("computer_action"), x.kind, x.has_coordinate, x.x, x.y, x.has_start,
           x.start_x, x.start_y, x.text, x.direction, x.scroll_amount, x.duration_s);
}

/// What an action reports besides its effect on the screen.
struct action_outcome {
  std::string text;    // e.g. "X=10, Y=20" for cursor_position; empty for most actions
  int32_t cursor_x = 0; // in image space
  int32_t cursor_y = 0;
  bool settled = true;   // the screen was quiet before the settle bound
  int32_t settle_ms = 0; // how long the computer waited for it after the action
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_outcome& x) {
  return f(caf::meta::type_name("action_outcome"), x.text, x.cursor_x, x.cursor_y, x.settled,
           x.settle_ms);
}

/// How a screenshot is encoded. PNG is exact; JPEG is smaller on busy screens.
enum class image_format : uint8_t { png, jpeg };

/// An encoded screenshot, scaled to fit what clients and model APIs accept.
struct encoded_image {
  std::string mime_type; // image/png or image/jpeg
  std::vector<uint8_t> bytes;
  int32_t width = 0; // image space
  int32_t height = 0;
  int32_t screen_width = 0; // screen space
  int32_t screen_height = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, encoded_image& x) {
  return f(caf::meta::type_name("encoded_image"), x.mime_type, x.bytes, x.width, x.height,
           x.screen_width, x.screen_height);
}

/// A picture of a screen for the live view: a new one, or word that the screen still shows the
/// picture the asker has.
struct screen_frame {
  uint64_t change = 0;    // the picture's number: each picture that differs from the last gets the next
  bool unchanged = false; // the screen still shows picture `change`, which the asker has: no image
  encoded_image image;    // JPEG, in image space (the coordinates actions take)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, screen_frame& x) {
  return f(caf::meta::type_name("screen_frame"), x.change, x.unchanged, x.image);
}

/// Identity and geometry of a started computer.
struct computer_info {
  std::string id;
  std::string backend;
  int32_t screen_width = 0;
  int32_t screen_height = 0;
  int32_t image_width = 0; // the screenshot space that action coordinates refer to
  int32_t image_height = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, computer_info& x) {
  return f(caf::meta::type_name("computer_info"), x.id, x.backend, x.screen_width, x.screen_height,
           x.image_width, x.image_height);
}

/// What a computer actor understands (actors/computer_actor.hpp). Every message is serializable,
/// as this is the protocol that crosses machines: (frame, known) answers the screen's picture for the
/// live view unless it is still picture `known`; (stop) destroys the computer, then the actor ends.
using computer_api = caf::typed_actor<
  caf::replies_to<start_atom>::with<computer_info>,
  caf::replies_to<screenshot_atom, image_format>::with<encoded_image>,
  caf::replies_to<frame_atom, uint64_t>::with<screen_frame>,
  caf::replies_to<perform_atom, computer_action>::with<action_outcome>,
  caf::replies_to<reset_atom>::with<computer_info>,
  caf::reacts_to<stop_atom>>;

} // namespace cua
