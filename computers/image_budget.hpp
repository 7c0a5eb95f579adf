#pragma once

#include <cstdint>

#include "computers/rgb_image.hpp"

namespace cua {

/// Limits that clients and model APIs put on images: a longer edge beyond 1568 px or more than
/// 1.15 megapixels gets downsampled by the model provider anyway, so we never send more.
struct image_budget {
  int32_t max_long_edge = 1568;
  int64_t max_pixels = 1'150'000;
};

struct image_size {
  int32_t width = 0;
  int32_t height = 0;
};

/// Returns the largest size with the screen's aspect ratio that fits `budget` (the screen size
/// itself when it fits).
image_size fit_to_budget(image_size screen, image_budget budget = {});

/// Maps a coordinate from image space to screen space, clamped to the screen.
void image_to_screen(image_size image, image_size screen, int32_t& x, int32_t& y);

/// Maps a coordinate from screen space to image space, clamped to the image.
void screen_to_image(image_size image, image_size screen, int32_t& x, int32_t& y);

/// Returns `source` shrunk to `target` by averaging the pixels each target pixel covers.
rgb_image downscale(const rgb_image& source, image_size target);

/// Like downscale(), into `out`, reusing its memory.
void downscale_into(const rgb_image& source, image_size target, rgb_image& out);

} // namespace cua
