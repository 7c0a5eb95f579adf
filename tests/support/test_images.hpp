#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "computers/rgb_image.hpp"

namespace cua::test {

/// Returns a width x height screen whose pixel (x, y) is rgb(x, y), a std::array<uint8_t, 3>.
template <class F>
rgb_image painted(int32_t width, int32_t height, F rgb) {
  rgb_image image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
  for (int32_t y = 0; y < height; ++y) {
    auto* p = image.row(y);
    for (int32_t x = 0; x < width; ++x, p += 3) {
      std::array<uint8_t, 3> color = rgb(x, y);
      p[0] = color[0];
      p[1] = color[1];
      p[2] = color[2];
    }
  }
  return image;
}

} // namespace cua::test
