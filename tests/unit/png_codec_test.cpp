#include "computers/png_codec.hpp"
#include "computers/jpeg_codec.hpp"

#include <gtest/gtest.h>

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
