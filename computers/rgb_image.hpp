#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cua {

/// A raw screen capture: 8-bit RGB, rows top to bottom, no padding.
struct rgb_image {
  int32_t width = 0;
  int32_t height = 0;
  std::vector<uint8_t> pixels; // width * height * 3

  uint8_t* row(int32_t y) { return pixels.data() + static_cast<size_t>(y) * width * 3; }
  const uint8_t* row(int32_t y) const { return pixels.data() + static_cast<size_t>(y) * width * 3; }
};

} // namespace cua
