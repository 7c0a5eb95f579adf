#include "computers/image_budget.hpp"

#include <gtest/gtest.h>

using namespace cua;

TEST(image_budget, keeps_a_screen_that_fits) {
  auto fitted = fit_to_budget({1280, 800});
  EXPECT_EQ(fitted.width, 1280);
  EXPECT_EQ(fitted.height, 800);
}

TEST(image_budget, shrinks_large_screens_to_both_limits) {
  for (auto screen : {image_size{1920, 1080}, image_size{3840, 2160}, image_size{2560, 1600},
                      image_size{1000, 3000}}) {
    auto fitted = fit_to_budget(screen);
    EXPECT_LE(std::max(fitted.width, fitted.height), 1568);
    EXPECT_LE(static_cast<int64_t>(fitted.width) * fitted.height, 1'150'000);
    // The aspect ratio survives within a pixel of rounding.
    EXPECT_NEAR(static_cast<double>(fitted.width) / fitted.height,
                static_cast<double>(screen.width) / screen.height, 0.01);
  }
}

TEST(image_budget, maps_coordinates_between_spaces) {
  image_size screen{1920, 1080};
  auto image = fit_to_budget(screen);
  int32_t x = image.width / 2;
  int32_t y = image.height / 2;
  image_to_screen(image, screen, x, y);
  EXPECT_NEAR(x, 960, 2);
  EXPECT_NEAR(y, 540, 2);
  screen_to_image(image, screen, x, y);
  EXPECT_NEAR(x, image.width / 2, 1);
  EXPECT_NEAR(y, image.height / 2, 1);
  int32_t far_x = 100000;
  int32_t far_y = 100000;
  image_to_screen(image, screen, far_x, far_y);
  EXPECT_EQ(far_x, 1919);
  EXPECT_EQ(far_y, 1079);
}

TEST(image_budget, downscale_averages_the_covered_pixels) {
  rgb_image source;
  source.width = 4;
  source.height = 2;
  source.pixels.assign(4 * 2 * 3, 0);
  // Left half white, right half black: two output pixels, one of each.
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x)
      for (int c = 0; c < 3; ++c)
        source.row(y)[x * 3 + c] = 255;
  auto out = downscale(source, {2, 1});
  ASSERT_EQ(out.pixels.size(), 6u);
  EXPECT_EQ(out.pixels[0], 255);
  EXPECT_EQ(out.pixels[3], 0);
}
