#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "computers/rgb_image.hpp"

namespace cua {

/// An image of at most 256 colours as a palette and one palette index per pixel.
struct indexed_image {
  int32_t width = 0;
  int32_t height = 0;
  std::vector<std::array<uint8_t, 3>> palette; // RGB, in order of first appearance
  std::vector<uint8_t> indices;                // width * height
};

/// Returns `image` as an indexed image when it has at most `max_colors` (<= 256) colours, or
/// nothing as soon as it shows more. Terminals and plain desktops have a handful of colours; a
/// photo-like screen gives up within its first rows.
std::optional<indexed_image> to_indexed(const rgb_image& image, size_t max_colors = 256);

} // namespace cua
