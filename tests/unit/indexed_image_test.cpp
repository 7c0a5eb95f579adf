// Screens of few colours become a palette and indices; more colours give up.

#include <gtest/gtest.h>

#include "computers/indexed_image.hpp"
#include "tests/support/test_images.hpp"

using namespace cua;

namespace {

rgb_image striped(int32_t width, int32_t height, int colors) {
  return test::painted(width, height, [colors](int32_t x, int32_t y) {
    auto c = static_cast<uint8_t>((x / 3 + (y / 4) * 7) % colors);
    return std::array<uint8_t, 3>{c, static_cast<uint8_t>(255 - c), static_cast<uint8_t>(c * 3)};
  });
}

} // namespace

TEST(indexed_image, maps_every_pixel_to_its_colour_in_order_of_first_appearance) {
  auto image = striped(50, 20, 9); // rows repeat in fours: the copied-row path runs too
  auto indexed = to_indexed(image);
  ASSERT_TRUE(indexed);
  ASSERT_EQ(indexed->palette.size(), 9u);
  EXPECT_EQ(indexed->palette[0], (std::array<uint8_t, 3>{0, 255, 0}));
  EXPECT_EQ(indexed->palette[1], (std::array<uint8_t, 3>{1, 254, 3}));
  for (int32_t y = 0; y < image.height; ++y)
    for (int32_t x = 0; x < image.width; ++x) {
      const auto& c = indexed->palette[indexed->indices[static_cast<size_t>(y) * 50 + x]];
      const auto* p = image.row(y) + x * 3;
      ASSERT_EQ(c, (std::array<uint8_t, 3>{p[0], p[1], p[2]})) << x << "," << y;
    }
}

TEST(indexed_image, gives_up_past_the_colour_limit) {
  EXPECT_EQ(to_indexed(striped(768, 4, 256))->palette.size(), 256u); // exactly at the limit
  EXPECT_FALSE(to_indexed(striped(600, 4, 200), 199));
  EXPECT_FALSE(to_indexed(rgb_image{}));
  rgb_image many;
  many.width = 1000;
  many.height = 1;
  for (int i = 0; i < 1000; ++i)
    many.pixels.insert(many.pixels.end(), {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8), 7});
  EXPECT_FALSE(to_indexed(many));
}
