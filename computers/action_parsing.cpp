#include "computers/action_parsing.hpp"

#include <array>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "messages/errors.hpp"

namespace cua {

namespace {

constexpr std::array<std::pair<const char*, action_kind>, 16> action_names{{
  {"key", action_kind::key},
  {"type", action_kind::type},
  {"mouse_move", action_kind::mouse_move},
  {"left_click", action_kind::left_click},
  {"right_click", action_kind::right_click},
  {"middle_click", action_kind::middle_click},
  {"double_click", action_kind::double_click},
  {"triple_click", action_kind::triple_click},
  {"left_click_drag", action_kind::left_click_drag},
  {"left_mouse_down", action_kind::left_mouse_down},
  {"left_mouse_up", action_kind::left_mouse_up},
  {"scroll", action_kind::scroll},
  {"hold_key", action_kind::hold_key},
  {"wait", action_kind::wait},
  {"screenshot", action_kind::screenshot},
  {"cursor_position", action_kind::cursor_position},
}};

constexpr double max_duration_s = 100;

caf::error invalid(const std::string& text) {
  return make_error(errc::invalid_action, text);
}

// Reads a [x, y] pair of non-negative whole numbers from input[field].
caf::error read_point(const nlohmann::json& input, const char* field, const std::string& action,
                      int32_t& x, int32_t& y) {
  const auto& value = input.at(field);
  auto bad = [&] {
    return invalid(action + ": " + field + " must be [x, y], two non-negative whole numbers, not "
                   + value.dump());
  };
  if (!value.is_array() || value.size() != 2)
    return bad();
  int32_t out[2];
  for (size_t i = 0; i < 2; ++i) {
    const auto& v = value[i];
    if (!v.is_number())
      return bad();
    auto d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d > 1e6 || d != std::floor(d))
      return bad();
    out[i] = static_cast<int32_t>(d);
  }
  x = out[0];
  y = out[1];
  return caf::none;
}

caf::error read_text(const nlohmann::json& input, const std::string& action, bool required,
                     std::string& out) {
  auto it = input.find("text");
  if (it == input.end() || it->is_null()) {
    if (required)
      return invalid(action + " needs \"text\"");
    return caf::none;
  }
  if (!it->is_string())
    return invalid(action + ": text must be a string");
  out = it->get<std::string>();
  if (required && out.empty())
    return invalid(action + ": text must not be empty");
  if (out.size() > max_type_length)
    return invalid(action + ": text is longer than " + std::to_string(max_type_length)
                   + " characters; split it into several actions");
  return caf::none;
}

caf::error read_duration(const nlohmann::json& input, const std::string& action, double& out) {
  auto it = input.find("duration");
  if (it == input.end() || !it->is_number())
    return invalid(action + " needs \"duration\", a number of seconds");
  out = it->get<double>();
  if (!std::isfinite(out) || out < 0 || out > max_duration_s)
    return invalid(action + ": duration must be between 0 and " + std::to_string(int(max_duration_s))
                   + " seconds");
  return caf::none;
}

} // namespace

std::optional<action_kind> parse_action_kind(const std::string& name) {
  for (const auto& [text, kind] : action_names)
    if (name == text)
      return kind;
  return std::nullopt;
}

const char* to_string(action_kind kind) {
  for (const auto& [text, k] : action_names)
    if (k == kind)
      return text;
  return "unknown";
}

caf::expected<computer_action> parse_action(const nlohmann::json& input) {
  if (!input.is_object())
    return invalid("an action must be a JSON object, not " + input.dump());
  auto name_it = input.find("action");
  if (name_it == input.end() || !name_it->is_string())
    return invalid("an action needs \"action\", the name of what to do");
  auto name = name_it->get<std::string>();
  auto kind = parse_action_kind(name);
  if (!kind) {
    std::string known;
    for (const auto& entry : action_names)
      known += (known.empty() ? "" : ", ") + std::string(entry.first);
    return invalid("unknown action \"" + name + "\"; known actions: " + known);
  }
  computer_action action;
  action.kind = *kind;
  auto has = [&](const char* field) {
    auto it = input.find(field);
    return it != input.end() && !it->is_null();
  };
  auto read_coordinate = [&](bool required) -> caf::error {
    if (!has("coordinate"))
      return required ? invalid(name + " needs \"coordinate\": [x, y]") : caf::none;
    action.has_coordinate = true;
    return read_point(input, "coordinate", name, action.x, action.y);
  };
  caf::error err;
  switch (action.kind) {
    case action_kind::key:
    case action_kind::type:
      err = read_text(input, name, true, action.text);
      break;
    case action_kind::mouse_move:
      err = read_coordinate(true);
      break;
    case action_kind::left_click:
    case action_kind::right_click:
    case action_kind::middle_click:
    case action_kind::double_click:
    case action_kind::triple_click:
    case action_kind::left_mouse_down:
    case action_kind::left_mouse_up:
      if (!(err = read_coordinate(false)))
        err = read_text(input, name, false, action.text); // modifier keys held while clicking
      break;
    case action_kind::left_click_drag:
      if (!has("start_coordinate"))
        return invalid(name + " needs \"start_coordinate\": [x, y] and \"coordinate\": [x, y]");
      action.has_start = true;
      if (!(err = read_point(input, "start_coordinate", name, action.start_x, action.start_y)))
        err = read_coordinate(true);
      break;
    case action_kind::scroll: {
      if ((err = read_coordinate(false)))
        break;
      auto dir = input.find("scroll_direction");
      if (dir == input.end() || !dir->is_string())
        return invalid("scroll needs \"scroll_direction\": up, down, left or right");
      auto direction = parse_scroll_direction(dir->get<std::string>());
      if (!direction)
        return invalid("scroll_direction must be up, down, left or right, not \""
                       + dir->get<std::string>() + "\"");
      action.direction = *direction;
      action.scroll_amount = 3;
      if (auto amount = input.find("scroll_amount"); amount != input.end() && !amount->is_null()) {
        if (!amount->is_number_integer() || amount->get<int64_t>() < 0
            || amount->get<int64_t>() > 100)
          return invalid("scroll_amount must be a whole number from 0 to 100");
        action.scroll_amount = amount->get<int32_t>();
      }
      err = read_text(input, name, false, action.text);
      break;
    }
    case action_kind::hold_key:
      if (!(err = read_text(input, name, true, action.text)))
        err = read_duration(input, name, action.duration_s);
      break;
    case action_kind::wait:
      err = read_duration(input, name, action.duration_s);
      break;
    case action_kind::screenshot:
    case action_kind::cursor_position:
      break;
  }
  if (err)
    return err;
  return action;
}

std::optional<scroll_direction> parse_scroll_direction(const std::string& name) {
  for (auto direction : {scroll_direction::up, scroll_direction::down, scroll_direction::left,
                         scroll_direction::right})
    if (name == to_string(direction))
      return direction;
  return std::nullopt;
}

const char* to_string(scroll_direction direction) {
  switch (direction) {
    case scroll_direction::up:
      return "up";
    case scroll_direction::down:
      return "down";
    case scroll_direction::left:
      return "left";
    case scroll_direction::right:
      return "right";
  }
  return "unknown"; // not reached: the switch names every direction
}

std::string describe(const computer_action& action) {
  std::string out = to_string(action.kind);
  if (action.has_start)
    out += " (" + std::to_string(action.start_x) + ", " + std::to_string(action.start_y) + ") ->";
  if (action.has_coordinate)
    out += " (" + std::to_string(action.x) + ", " + std::to_string(action.y) + ")";
  if (action.kind == action_kind::key || action.kind == action_kind::hold_key)
    out += " " + action.text;
  else if (action.kind == action_kind::type)
    out += " " + std::to_string(action.text.size()) + " characters";
  else if (action.kind == action_kind::scroll)
    out += std::string{" "} + to_string(action.direction) + " " + std::to_string(action.scroll_amount);
  else if (action.kind == action_kind::wait)
    out += " " + std::to_string(action.duration_s).substr(0, 4) + " s";
  return out;
}

} // namespace cua

namespace cua {

std::string describe_settling(const action_outcome& outcome) {
  auto ms = std::to_string(outcome.settle_ms) + " ms";
  if (outcome.settled)
    return "the screen settled after " + ms;
  return "the screen was still changing after " + ms + " (--settle-ms)";
}

} // namespace cua
