#include "computers/png_codec.hpp"
#include "computers/jpeg_codec.hpp"

#include <random>

#include <gtest/gtest.h>
#include <png.h>

#include "tests/support/test_images.hpp"

using namespace cua;

TEST(png_codec, round_trips_pixels) {
  rgb_image image;
  image.width = 31;
  image.height = 17;
  image.pixels.resize(31 * 17 * 3);
  for (size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<uint8_t>(i * 7);
  auto png = encode_png(image);
  ASSERT_TRUE(png);
  ASSERT_GT(png->size(), 8u);
  EXPECT_EQ((*png)[1], 'P');
  auto back = decode_png(*png);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->width, 31);
  EXPECT_EQ(back->height, 17);
  EXPECT_EQ(back->pixels, image.pixels);
}

TEST(png_codec, refuses_bad_input) {
  EXPECT_FALSE(encode_png(rgb_image{}));
  EXPECT_FALSE(decode_png({1, 2, 3}));
  rgb_image image;
  image.width = 8;
  image.height = 8;
  image.pixels.assign(8 * 8 * 3, 9);
  auto png = encode_png(image);
  ASSERT_TRUE(png);
  png->resize(png->size() / 2);
  EXPECT_FALSE(decode_png(*png));
}

TEST(jpeg_codec, encodes_a_baseline_jpeg_and_refuses_empty_images) {
  rgb_image image;
  image.width = 64;
  image.height = 48;
  image.pixels.assign(64 * 48 * 3, 128);
  auto jpeg = encode_jpeg(image, 75);
  ASSERT_TRUE(jpeg);
  ASSERT_GT(jpeg->size(), 4u);
  EXPECT_EQ((*jpeg)[0], 0xff);
  EXPECT_EQ((*jpeg)[1], 0xd8);
  EXPECT_EQ((*jpeg)[jpeg->size() - 2], 0xff);
  EXPECT_EQ((*jpeg)[jpeg->size() - 1], 0xd9);
  EXPECT_FALSE(encode_jpeg(rgb_image{}));
}

TEST(png_codec, few_colours_go_out_indexed_and_round_trip) {
  // Two, five and 256 colours: packed to 1, 4 and 8 bits a pixel; 257 colours stay RGB.
  for (int colors : {2, 5, 256, 257}) {
    rgb_image image;
    image.width = 123; // not a multiple of 8: packing pads each row
    image.height = 45;
    image.pixels.resize(123 * 45 * 3);
    for (size_t i = 0; i < 123 * 45; ++i) {
      auto c = static_cast<uint32_t>((i / 7) % colors) * 2654435761u;
      image.pixels[i * 3] = static_cast<uint8_t>(c >> 24);
      image.pixels[i * 3 + 1] = static_cast<uint8_t>(c >> 16);
      image.pixels[i * 3 + 2] = static_cast<uint8_t>(c >> 8);
    }
    auto png = encode_png(image);
    ASSERT_TRUE(png);
    auto color_type = (*png)[25]; // IHDR: 8 signature + 8 chunk header + 9 bytes in
    auto depth = (*png)[24];
    if (colors <= 256) {
      EXPECT_EQ(color_type, 3) << colors; // palette
      EXPECT_EQ(depth, colors == 2 ? 1 : colors == 5 ? 4 : 8) << colors;
    } else {
      EXPECT_EQ(color_type, 2) << colors; // RGB
    }
    auto back = decode_png(*png);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->pixels, image.pixels) << colors;
  }
}

namespace {

// A screen drawn by `shade(x, y)`, one value scaled into the three channels.
template <class F>
rgb_image drawn(int32_t width, int32_t height, F shade) {
  return test::painted(width, height, [&](int32_t x, int32_t y) {
    auto v = shade(x, y);
    return std::array<uint8_t, 3>{static_cast<uint8_t>(v), static_cast<uint8_t>(v * 3 / 4),
                                  static_cast<uint8_t>(v / 2)};
  });
}

} // namespace

TEST(png_codec, the_filter_is_the_one_that_deflates_the_screen_best) {
  // Text: glyphs of a few shapes at random places on a flat background; deflate finds the
  // repeated glyphs best as they are.
  std::mt19937 rng(7);
  std::vector<int> glyph_of_cell(160 * 67); // 8x12 cells: 160 across, 67 down (the last one cut)
  for (auto& g : glyph_of_cell)
    g = static_cast<int>(rng() % 40);
  auto text = drawn(1280, 800, [&](int32_t x, int32_t y) {
    auto glyph = glyph_of_cell[static_cast<size_t>((y / 12) * 160 + x / 8)];
    auto gx = x % 8;
    auto gy = y % 12;
    bool ink = gy > 1 && gy < 11 && gx > 0 && ((glyph * 7 + gx * 3 + gy * 5) % 11) < 4;
    return ink ? 40 + (glyph * 13 + gx * 29 + gy * 7) % 200 : 250;
  });
  EXPECT_EQ(png_filter_for(text), PNG_FILTER_NONE);
  // A smooth gradient in both directions: each row is nearly the one above.
  auto gradient = drawn(1280, 800, [](int32_t x, int32_t y) { return (x * 255 / 1279 + y) % 256; });
  EXPECT_EQ(png_filter_for(gradient), PNG_FILTER_UP);
  // Rows that each ramp at their own random start and slope: each pixel is its left neighbour
  // plus the row's step, while it differs from the one above in a way that changes along the row.
  std::vector<int> start(800);
  std::vector<int> slope(800);
  for (size_t y = 0; y < start.size(); ++y) {
    start[y] = static_cast<int>(rng() % 256);
    slope[y] = 1 + static_cast<int>(rng() % 7);
  }
  auto ramps = drawn(1280, 800, [&](int32_t x, int32_t y) { return (start[y] + x * slope[y]) % 256; });
  EXPECT_EQ(png_filter_for(ramps), PNG_FILTER_SUB);
  // Whatever the filter, the pixels come back.
  for (const auto* image : {&text, &gradient, &ramps}) {
    auto png = encode_png(*image);
    ASSERT_TRUE(png);
    auto back = decode_png(*png);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->pixels, image->pixels);
  }
  // Tiny images are sampled whole.
  auto tiny = drawn(3, 2, [](int32_t x, int32_t y) { return x * 50 + y * 90; });
  auto filter = png_filter_for(tiny);
  EXPECT_TRUE(filter == PNG_FILTER_NONE || filter == PNG_FILTER_SUB || filter == PNG_FILTER_UP);
}
