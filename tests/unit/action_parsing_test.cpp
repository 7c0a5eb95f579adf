#include "computers/action_parsing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "messages/errors.hpp"

using namespace cua;
using nlohmann::json;

namespace {

computer_action parse_ok(const char* text) {
  auto action = parse_action(json::parse(text));
  EXPECT_TRUE(action) << text << ": " << describe(action.error());
  return action ? *action : computer_action{};
}

std::string parse_error(const char* text) {
  auto action = parse_action(json::parse(text));
  EXPECT_FALSE(action) << text;
  if (action)
    return {};
  EXPECT_EQ(action.error(), errc::invalid_action);
  return describe(action.error());
}

} // namespace

TEST(action_parsing, reads_every_action_of_the_vocabulary) {
  EXPECT_EQ(parse_ok(R"({"action":"screenshot"})").kind, action_kind::screenshot);
  auto click = parse_ok(R"({"action":"left_click","coordinate":[10,20]})");
  EXPECT_EQ(click.kind, action_kind::left_click);
  EXPECT_TRUE(click.has_coordinate);
  EXPECT_EQ(click.x, 10);
  EXPECT_EQ(click.y, 20);
  EXPECT_FALSE(parse_ok(R"({"action":"right_click"})").has_coordinate);
  EXPECT_EQ(parse_ok(R"({"action":"key","text":"ctrl+s"})").text, "ctrl+s");
  EXPECT_EQ(parse_ok(R"({"action":"type","text":"héllo"})").text, "héllo");
  auto drag = parse_ok(R"({"action":"left_click_drag","start_coordinate":[1,2],"coordinate":[3,4]})");
  EXPECT_TRUE(drag.has_start);
  EXPECT_EQ(drag.start_x, 1);
  EXPECT_EQ(drag.x, 3);
  auto scroll = parse_ok(R"({"action":"scroll","coordinate":[5,5],"scroll_direction":"down","scroll_amount":4})");
  EXPECT_EQ(scroll.direction, scroll_direction::down);
  EXPECT_EQ(scroll.scroll_amount, 4);
  EXPECT_DOUBLE_EQ(parse_ok(R"({"action":"wait","duration":1.5})").duration_s, 1.5);
  EXPECT_EQ(parse_ok(R"({"action":"hold_key","text":"shift","duration":1})").kind, action_kind::hold_key);
  for (auto name : {"mouse_move", "middle_click", "double_click", "triple_click"}) {
    auto text = std::string(R"({"action":")") + name + R"(","coordinate":[1,1]})";
    EXPECT_TRUE(parse_action(json::parse(text))) << name;
  }
  for (auto name : {"left_mouse_down", "left_mouse_up", "cursor_position"})
    EXPECT_TRUE(parse_action(json{{"action", name}})) << name;
}

TEST(action_parsing, explains_what_is_wrong) {
  EXPECT_NE(parse_error(R"({"action":"fly"})").find("unknown action"), std::string::npos);
  EXPECT_NE(parse_error(R"({"coordinate":[1,2]})").find("\"action\""), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"mouse_move"})").find("coordinate"), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"left_click","coordinate":[1]})").find("[x, y]"), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"left_click","coordinate":[-1,2]})").find("non-negative"), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"left_click","coordinate":[1.5,2]})").find("whole"), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"type"})").find("text"), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"scroll","scroll_direction":"sideways"})").find("up, down"), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"wait","duration":1000})").find("between"), std::string::npos);
  EXPECT_NE(parse_error(R"({"action":"left_click_drag","coordinate":[1,1]})").find("start_coordinate"), std::string::npos);
  parse_error("[1,2]");
}

TEST(action_parsing, scroll_directions_are_a_closed_set) {
  for (const char* name : {"up", "down", "left", "right"}) {
    auto direction = parse_scroll_direction(name);
    ASSERT_TRUE(direction) << name;
    EXPECT_STREQ(to_string(*direction), name);
  }
  EXPECT_FALSE(parse_scroll_direction("Right"));
  EXPECT_FALSE(parse_scroll_direction(""));
  // An unknown direction is refused, naming it, rather than scrolling some other way.
  auto problem = parse_error(R"({"action":"scroll","coordinate":[5,5],"scroll_direction":"diagonal"})");
  EXPECT_NE(problem.find("\"diagonal\""), std::string::npos) << problem;
  auto left = parse_ok(R"({"action":"scroll","coordinate":[5,5],"scroll_direction":"left","scroll_amount":2})");
  EXPECT_EQ(left.direction, scroll_direction::left);
  EXPECT_EQ(describe(left), "scroll (5, 5) left 2");
}

TEST(action_parsing, bounds_typed_text) {
  json action{{"action", "type"}, {"text", std::string(max_type_length + 1, 'a')}};
  EXPECT_FALSE(parse_action(action));
  action["text"] = std::string(max_type_length, 'a');
  EXPECT_TRUE(parse_action(action));
}

TEST(action_parsing, describes_actions_for_progress) {
  EXPECT_EQ(describe(parse_ok(R"({"action":"left_click","coordinate":[640,400]})")), "left_click (640, 400)");
  EXPECT_EQ(describe(parse_ok(R"({"action":"key","text":"Return"})")), "key Return");
  EXPECT_EQ(describe(parse_ok(R"({"action":"type","text":"abc"})")), "type 3 characters");
}
