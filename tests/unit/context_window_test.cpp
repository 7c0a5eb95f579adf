#include "agent/context_window.hpp"

#include <gtest/gtest.h>

using namespace cua;

namespace {

agent_round round_with_images(int images) {
  agent_round round;
  for (int i = 0; i < images; ++i) {
    tool_output out;
    out.call_id = "c" + std::to_string(i);
    out.has_image = true;
    out.image.bytes = {1, 2, 3};
    round.outputs.push_back(out);
  }
  return round;
}

} // namespace

TEST(context_window, keeps_only_the_most_recent_images) {
  std::vector<agent_round> history{round_with_images(2), round_with_images(1),
                                   round_with_images(2)};
  EXPECT_EQ(keep_recent_images(history, 3), 3);
  EXPECT_FALSE(history[0].outputs[0].has_image);
  EXPECT_FALSE(history[0].outputs[1].has_image);
  EXPECT_TRUE(history[0].outputs[1].image.bytes.empty());
  EXPECT_EQ(history[0].outputs[0].text, omitted_screenshot_text);
  EXPECT_TRUE(history[1].outputs[0].has_image);
  EXPECT_TRUE(history[2].outputs[0].has_image);
  EXPECT_TRUE(history[2].outputs[1].has_image);
  // Every tool call keeps a result.
  EXPECT_EQ(history[0].outputs.size(), 2u);
}

TEST(context_window, keeps_everything_within_the_budget) {
  std::vector<agent_round> history{round_with_images(1)};
  EXPECT_EQ(keep_recent_images(history, 3), 1);
  EXPECT_TRUE(history[0].outputs[0].has_image);
}
