#include "actors/computer_actor.hpp"

#include <random>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/actors/deterministic.hpp"

using namespace cua;

namespace {

/// A backend whose screen is noise of a given size; it records the actions it gets, and can be
/// told to fail as a computer whose X server died.
struct recording_backend : computer {
  int32_t width;
  int32_t height;
  std::vector<computer_action> actions;
  bool broken = false;

  recording_backend(int32_t w, int32_t h) : width(w), height(h) {}

  caf::expected<computer_info> start() override { return computer_info{"rec", "test", width, height, 0, 0}; }

  caf::error capture_into(rgb_image& img) override {
    if (broken)
      return make_error(errc::computer_failed, "the X server stopped");
    img.width = width;
    img.height = height;
    img.pixels.resize(static_cast<size_t>(width) * height * 3);
    std::mt19937 rng(7);
    for (auto& p : img.pixels)
      p = static_cast<uint8_t>(rng());
    return caf::none;
  }

  caf::expected<action_outcome> perform(const computer_action& a) override {
    actions.push_back(a);
    action_outcome out;
    out.cursor_x = a.x;
    out.cursor_y = a.y;
    return out;
  }

  caf::error reset() override { return caf::none; }
  void destroy() override {}
};

class computer_actor_test : public test::deterministic {
protected:
  computer_api start(std::shared_ptr<recording_backend> backend) {
    auto actor = own(sys().spawn(computer_actor, std::shared_ptr<computer>(backend)));
    auto info = ask<computer_info>(actor, start_atom::value);
    run();
    info_ = info->value.value_or(computer_info{});
    return actor;
  }
  computer_info info_;
};

} // namespace

TEST_F(computer_actor_test, a_png_over_one_megabyte_comes_as_jpeg) {
  auto backend = std::make_shared<recording_backend>(1280, 800);
  auto actor = start(backend);
  auto shot = ask<encoded_image>(actor, screenshot_atom::value, image_format::png);
  run();
  ASSERT_TRUE(shot->value) << describe(shot->error);
  EXPECT_EQ(shot->value->mime_type, "image/jpeg");
  EXPECT_LE(shot->value->bytes.size(), 1'000'000u);
  // The format is an enum in computer_api; a message off the protocol (a peer that speaks another
  // version) is refused with an error, and the computer goes on.
  auto bad = ask<encoded_image>(caf::actor_cast<caf::actor>(actor), screenshot_atom::value,
                                std::string{"bmp"});
  run();
  EXPECT_EQ(bad->error, caf::sec::unexpected_message);
  auto again = ask<encoded_image>(actor, screenshot_atom::value, image_format::jpeg);
  run();
  EXPECT_TRUE(again->value) << describe(again->error);
}

TEST_F(computer_actor_test, maps_image_coordinates_to_a_larger_screen_and_back) {
  auto backend = std::make_shared<recording_backend>(2560, 1600);
  auto actor = start(backend);
  EXPECT_EQ(info_.image_width, 1356); // fits 1.15 MP at 16:10
  EXPECT_LE(static_cast<int64_t>(info_.image_width) * info_.image_height, 1'150'000);
  computer_action click;
  click.kind = action_kind::left_click;
  click.has_coordinate = true;
  click.x = info_.image_width / 2;
  click.y = info_.image_height / 2;
  auto outcome = ask<action_outcome>(actor, perform_atom::value, click);
  run();
  ASSERT_TRUE(outcome->value);
  ASSERT_EQ(backend->actions.size(), 1u);
  EXPECT_NEAR(backend->actions[0].x, 1280, 2);
  EXPECT_NEAR(backend->actions[0].y, 800, 2);
  EXPECT_NEAR(outcome->value->cursor_x, click.x, 1); // reported back in image space
  click.x = info_.image_width; // one past the edge
  auto outside = ask<action_outcome>(actor, perform_atom::value, click);
  run();
  EXPECT_EQ(outside->error, errc::invalid_action);
}

TEST_F(computer_actor_test, a_broken_computer_answers_and_ends) {
  auto backend = std::make_shared<recording_backend>(320, 200);
  auto actor = start(backend);
  backend->broken = true;
  auto shot = ask<encoded_image>(actor, screenshot_atom::value, image_format::png);
  run();
  EXPECT_EQ(shot->error, errc::computer_failed);
  auto after = ask<encoded_image>(actor, screenshot_atom::value, image_format::png);
  run();
  EXPECT_TRUE(after->done);
  EXPECT_NE(after->error, errc::computer_failed); // nobody answers any more: the actor is gone
}

namespace {

/// A backend whose picture is one grey level the test sets, and which says whether its screen
/// changed as the test tells it (as X DAMAGE would); it counts its captures.
struct still_backend : computer {
  uint8_t level = 10;
  bool changed = true;
  int captures = 0;

  caf::expected<computer_info> start() override { return computer_info{"still", "test", 640, 400, 0, 0}; }
  caf::error capture_into(rgb_image& img) override {
    ++captures;
    changed = false;
    img.width = 640;
    img.height = 400;
    img.pixels.assign(static_cast<size_t>(640) * 400 * 3, level);
    return caf::none;
  }
  bool changed_since_capture() override { return changed; }
  caf::expected<action_outcome> perform(const computer_action&) override { return action_outcome{}; }
  caf::error reset() override { return caf::none; }
  void destroy() override {}
};

} // namespace

TEST_F(computer_actor_test, a_frame_is_sent_only_for_a_new_picture) {
  auto backend = std::make_shared<still_backend>();
  auto actor = own(sys().spawn(computer_actor, std::shared_ptr<computer>(backend)));
  ask<computer_info>(actor, start_atom::value);
  run();
  auto frame = [&](uint64_t known) {
    auto r = ask<screen_frame>(actor, frame_atom::value, known);
    run();
    EXPECT_TRUE(r->value) << describe(r->error);
    return r->value.value_or(screen_frame{});
  };
  auto first = frame(0);
  EXPECT_EQ(first.change, 1u);
  EXPECT_FALSE(first.unchanged);
  EXPECT_EQ(first.image.mime_type, "image/jpeg");
  EXPECT_EQ(first.image.width, 640);
  EXPECT_FALSE(first.image.bytes.empty());
  EXPECT_EQ(backend->captures, 1);
  // A still screen is not even captured again.
  auto still = frame(1);
  EXPECT_TRUE(still.unchanged);
  EXPECT_TRUE(still.image.bytes.empty());
  EXPECT_EQ(backend->captures, 1);
  // Damage that left the same picture: captured, compared, still picture 1.
  backend->changed = true;
  auto same = frame(1);
  EXPECT_TRUE(same.unchanged);
  EXPECT_EQ(same.change, 1u);
  EXPECT_EQ(backend->captures, 2);
  // A new picture gets the next number; who asks with an older one gets it at once.
  backend->changed = true;
  backend->level = 200;
  auto next = frame(1);
  EXPECT_EQ(next.change, 2u);
  EXPECT_FALSE(next.image.bytes.empty());
  EXPECT_EQ(frame(1).change, 2u);
  EXPECT_FALSE(frame(0).unchanged);
}

TEST_F(computer_actor_test, a_frame_shares_the_capture_of_the_screenshot_before_it) {
  auto backend = std::make_shared<still_backend>();
  auto actor = own(sys().spawn(computer_actor, std::shared_ptr<computer>(backend)));
  ask<computer_info>(actor, start_atom::value);
  auto shot = ask<encoded_image>(actor, screenshot_atom::value, image_format::png);
  run();
  ASSERT_TRUE(shot->value);
  EXPECT_EQ(backend->captures, 1);
  auto frame = ask<screen_frame>(actor, frame_atom::value, uint64_t{0});
  run();
  ASSERT_TRUE(frame->value) << describe(frame->error);
  EXPECT_EQ(frame->value->change, 1u);
  EXPECT_FALSE(frame->value->image.bytes.empty());
  EXPECT_EQ(backend->captures, 1); // the screenshot's picture, not a capture of its own
}
