#include "computers/sim_computer.hpp"

#include <gtest/gtest.h>

#include "tests/support/computer_actions.hpp"

using namespace cua;

namespace {

std::unique_ptr<computer> started(const std::string& id) {
  auto c = make_sim_computer(id, backend_options{});
  EXPECT_TRUE(c->start());
  return c;
}

} // namespace

TEST(sim_computer, has_the_configured_screen) {
  backend_options options;
  options.screen_width = 640;
  options.screen_height = 480;
  auto c = make_sim_computer("a", options);
  auto info = c->start();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->screen_width, 640);
  auto image = c->capture();
  ASSERT_TRUE(image);
  EXPECT_EQ(image->width, 640);
  EXPECT_EQ(image->height, 480);
  EXPECT_EQ(image->pixels.size(), 640u * 480u * 3u);
}

TEST(sim_computer, picture_follows_actions_deterministically) {
  auto a = started("a");
  auto b = started("a");
  EXPECT_EQ(a->capture()->pixels, b->capture()->pixels);
  auto before = a->capture()->pixels;
  ASSERT_TRUE(a->perform(test::action_at(action_kind::left_click, 100, 100)));
  EXPECT_NE(a->capture()->pixels, before);
  ASSERT_TRUE(b->perform(test::action_at(action_kind::left_click, 100, 100)));
  EXPECT_EQ(a->capture()->pixels, b->capture()->pixels);
}

TEST(sim_computer, computers_look_different_and_reset_forgets) {
  auto a = started("a");
  auto b = started("b");
  EXPECT_NE(a->capture()->pixels, b->capture()->pixels);
  auto fresh = a->capture()->pixels;
  ASSERT_TRUE(a->perform(test::action_at(action_kind::left_click, 5, 5)));
  EXPECT_FALSE(a->reset());
  EXPECT_EQ(a->capture()->pixels, fresh);
}

TEST(sim_computer, refuses_work_when_destroyed) {
  auto a = started("a");
  a->destroy();
  EXPECT_FALSE(a->capture());
  EXPECT_FALSE(a->perform(test::action_at(action_kind::left_click, 1, 1)));
}
