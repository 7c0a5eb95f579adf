#include "computers/indexed_image.hpp"

#include <cstring>

namespace cua {

namespace {

// Open addressing over 24-bit colours; no colour has this key.
constexpr uint32_t empty_slot = 0xffffffff;
constexpr size_t table_size = 1024; // a power of two, four times the most colours kept

size_t slot_of(uint32_t color) {
  return (color * 2654435761u) >> 22; // Fibonacci hashing down to 10 bits
}

} // namespace

std::optional<indexed_image> to_indexed(const rgb_image& image, size_t max_colors) {
  if (max_colors > 256)
    max_colors = 256;
  auto pixels = static_cast<size_t>(image.width) * static_cast<size_t>(image.height);
  if (image.width <= 0 || image.height <= 0 || image.pixels.size() != pixels * 3)
    return std::nullopt;
  std::array<uint32_t, table_size> keys;
  std::array<uint8_t, table_size> values{};
  keys.fill(empty_slot);
  indexed_image out;
  out.width = image.width;
  out.height = image.height;
  out.indices.resize(pixels);
  auto width = static_cast<size_t>(image.width);
  auto row_bytes = width * 3;
  uint32_t last_color = empty_slot;
  uint8_t last_index = 0;
  for (int32_t y = 0; y < image.height; ++y) {
    const uint8_t* p = image.row(y);
    uint8_t* indices = out.indices.data() + static_cast<size_t>(y) * width;
    // Screens repeat rows (backgrounds, the space between lines of text): copy those.
    if (y > 0 && std::memcmp(p, p - row_bytes, row_bytes) == 0) {
      std::memcpy(indices, indices - width, width);
      continue;
    }
    for (size_t x = 0; x < width; ++x, p += 3) {
      uint32_t color = static_cast<uint32_t>(p[0]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[2];
      if (color != last_color) { // runs of one colour: most pixels stop here
        auto slot = slot_of(color);
        while (keys[slot] != color && keys[slot] != empty_slot)
          slot = (slot + 1) & (table_size - 1);
        if (keys[slot] == empty_slot) {
          if (out.palette.size() == max_colors)
            return std::nullopt;
          keys[slot] = color;
          values[slot] = static_cast<uint8_t>(out.palette.size());
          out.palette.push_back({p[0], p[1], p[2]});
        }
        last_color = color;
        last_index = values[slot];
      }
      indices[x] = last_index;
    }
  }
  return out;
}

} // namespace cua
