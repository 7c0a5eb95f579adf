#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <gtest/gtest.h>

#include "messages/computer_messages.hpp"
#include "messages/pool_messages.hpp"
#include "messages/register_messages.hpp"

using namespace cua;

namespace {

// The computer protocol is the one that will cross machines: every value in it must come through
// CAF's binary serialization unchanged (no pointers, no JSON, images as bytes).
template <class T>
T round_trip(caf::actor_system& sys, T value) {
  std::vector<char> buffer;
  caf::binary_serializer sink{sys, buffer};
  EXPECT_FALSE(sink(value));
  T out{};
  caf::binary_deserializer source{sys, buffer};
  EXPECT_FALSE(source(out));
  return out;
}

TEST(computer_protocol, every_message_survives_serialization) {
  caf::actor_system_config cfg;
  register_messages(cfg);
  caf::actor_system sys{cfg};

  computer_action scroll;
  scroll.kind = action_kind::scroll;
  scroll.has_coordinate = true;
  scroll.x = 10;
  scroll.y = 20;
  scroll.direction = scroll_direction::left;
  scroll.scroll_amount = 4;
  scroll.text = "shift";
  auto action = round_trip(sys, scroll);
  EXPECT_EQ(action.kind, action_kind::scroll);
  EXPECT_EQ(action.direction, scroll_direction::left);
  EXPECT_EQ(action.scroll_amount, 4);
  EXPECT_EQ(action.x, 10);
  EXPECT_EQ(action.text, "shift");

  encoded_image image{"image/png", {0x89, 'P', 'N', 'G', 0, 255}, 640, 400, 1280, 800};
  auto shot = round_trip(sys, image);
  EXPECT_EQ(shot.mime_type, "image/png");
  EXPECT_EQ(shot.bytes, image.bytes);
  EXPECT_EQ(shot.screen_width, 1280);

  auto info = round_trip(sys, computer_info{"xvfb-1", "xvfb", 1280, 800, 1024, 640});
  EXPECT_EQ(info.id, "xvfb-1");
  EXPECT_EQ(info.image_height, 640);

  auto outcome = round_trip(sys, action_outcome{"X=1, Y=2", 1, 2, false, 250});
  EXPECT_EQ(outcome.text, "X=1, Y=2");
  EXPECT_FALSE(outcome.settled);
  EXPECT_EQ(outcome.settle_ms, 250);

  EXPECT_EQ(round_trip(sys, image_format::jpeg), image_format::jpeg);

  // What a computer host answers a front about its pool.
  pool_stats figures;
  figures.size = 30;
  figures.failed = 2;
  figures.isolation = "bwrap";
  figures.hosts.push_back({"10.0.0.5:4242", "joined", 30, 4, 2, 1, 0.8, ""});
  auto pool = round_trip(sys, figures);
  EXPECT_EQ(pool.size, 30);
  EXPECT_EQ(pool.isolation, "bwrap");
  ASSERT_EQ(pool.hosts.size(), 1u);
  EXPECT_EQ(pool.hosts[0].address, "10.0.0.5:4242");
  EXPECT_EQ(pool.hosts[0].in_use, 4);
  EXPECT_DOUBLE_EQ(pool.hosts[0].round_trip_ms, 0.8);
}

} // namespace
