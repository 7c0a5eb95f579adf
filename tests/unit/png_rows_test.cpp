#include "computers/png_rows.hpp"

#include <random>

#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>

#include "computers/png_codec.hpp"
#include "tests/support/test_images.hpp"

using namespace cua;

namespace {

// Flat stretches with bursts of noise: hundreds of colours, so RGB.
rgb_image noisy_screen(int32_t width, int32_t height) {
  std::mt19937 rng(3);
  return test::painted(width, height, [&](int32_t x, int32_t y) {
    auto i = static_cast<size_t>(y) * width + x;
    auto flat = static_cast<uint8_t>(i / 1000);
    if ((i / 32) % 7 != 0)
      return std::array<uint8_t, 3>{flat, flat, flat};
    return std::array<uint8_t, 3>{static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()),
                                  static_cast<uint8_t>(rng())};
  });
}

} // namespace

TEST(png_rows, bands_deflated_apart_inflate_as_one_stream_with_its_checksum) {
  auto image = noisy_screen(301, 203);
  auto row_size = static_cast<size_t>(image.width) * 3 + 1;
  for (int filter : {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP}) {
    std::vector<uint8_t> expected(row_size * image.height);
    for (int32_t y = 0; y < image.height; ++y)
      filter_png_row(image, y, filter, expected.data() + row_size * y);
    for (int parts : {1, 2, 3, 5, 1000}) {
      auto stream = deflate_png_rows(
        image.height, row_size,
        [&](int32_t y, uint8_t* out) { filter_png_row(image, y, filter, out); }, 1,
        Z_DEFAULT_STRATEGY, parts);
      ASSERT_TRUE(stream) << parts;
      // uncompress2() checks the zlib header and the Adler-32 at the end, and says how much of
      // the stream it took: all of it, nothing may follow the checksum.
      std::vector<uint8_t> inflated(expected.size());
      auto size = static_cast<uLongf>(inflated.size());
      auto taken = static_cast<uLong>(stream->size());
      ASSERT_EQ(uncompress2(inflated.data(), &size, stream->data(), &taken), Z_OK)
        << "filter " << filter << ", " << parts << " parts";
      EXPECT_EQ(taken, stream->size()) << parts << " parts";
      EXPECT_EQ(size, expected.size());
      EXPECT_EQ(inflated, expected);
    }
  }
}

TEST(png_rows, filters_rows_as_png_defines_them) {
  rgb_image image;
  image.width = 2;
  image.height = 2;
  image.pixels = {10, 20, 30, 15, 25, 35, 11, 21, 31, 20, 30, 40};
  uint8_t row[7];
  filter_png_row(image, 1, PNG_FILTER_SUB, row);
  EXPECT_EQ(std::vector<uint8_t>(row, row + 7), (std::vector<uint8_t>{1, 11, 21, 31, 9, 9, 9}));
  filter_png_row(image, 1, PNG_FILTER_UP, row);
  EXPECT_EQ(std::vector<uint8_t>(row, row + 7), (std::vector<uint8_t>{2, 1, 1, 1, 5, 5, 5}));
  filter_png_row(image, 0, PNG_FILTER_UP, row); // the first row has nothing above it
  EXPECT_EQ(std::vector<uint8_t>(row, row + 7), (std::vector<uint8_t>{2, 10, 20, 30, 15, 25, 35}));
  filter_png_row(image, 0, PNG_FILTER_NONE, row);
  EXPECT_EQ(std::vector<uint8_t>(row, row + 7), (std::vector<uint8_t>{0, 10, 20, 30, 15, 25, 35}));
}

TEST(png_rows, packs_palette_indices_as_png_defines_them) {
  const uint8_t indices[] = {1, 0, 1, 1, 0, 0, 0, 1, 1};
  uint8_t row[3];
  pack_png_row(indices, 9, 1, row); // 1 bit a pixel, leftmost pixel in the high bit
  EXPECT_EQ(std::vector<uint8_t>(row, row + 3), (std::vector<uint8_t>{0, 0b10110001, 0b10000000}));
  const uint8_t twos[] = {3, 0, 2, 1, 1};
  pack_png_row(twos, 5, 2, row);
  EXPECT_EQ(std::vector<uint8_t>(row, row + 3), (std::vector<uint8_t>{0, 0b11001001, 0b01000000}));
  const uint8_t fours[] = {15, 1, 7};
  pack_png_row(fours, 3, 4, row);
  EXPECT_EQ(std::vector<uint8_t>(row, row + 3), (std::vector<uint8_t>{0, 0xf1, 0x70}));
  const uint8_t bytes[] = {200, 7};
  pack_png_row(bytes, 2, 8, row);
  EXPECT_EQ(std::vector<uint8_t>(row, row + 3), (std::vector<uint8_t>{0, 200, 7}));
}

TEST(png_rows, a_full_screen_of_few_colours_written_in_bands_reads_back) {
  // 2, 3, 16 and 200 colours: packed at 1, 2, 4 and 8 bits a pixel; big enough (a 4K screen)
  // for each to be deflated in bands.
  for (int colours : {2, 3, 16, 200}) {
    auto image = test::painted(4096, 1100, [colours](int32_t x, int32_t y) {
      auto c = static_cast<uint8_t>((x * 7 / 5 + y * 3) % colours);
      return std::array<uint8_t, 3>{c, static_cast<uint8_t>(c * 3), 9};
    });
    auto png = encode_png(image);
    ASSERT_TRUE(png);
    auto back = decode_png(*png);
    ASSERT_TRUE(back) << colours;
    EXPECT_EQ(back->pixels, image.pixels) << colours;
  }
}

TEST(png_rows, a_full_screen_png_written_in_bands_reads_back) {
  auto image = noisy_screen(1280, 800);
  auto png = encode_png(image);
  ASSERT_TRUE(png);
  auto back = decode_png(*png);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->pixels, image.pixels);
}
