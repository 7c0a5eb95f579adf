#pragma once

#include <cstdint>
#include <vector>

#include <caf/expected.hpp>

#include "computers/rgb_image.hpp"

namespace cua {

/// Returns `image` as PNG: indexed (1-8 bits a pixel) when it has at most 256 colours, else RGB
/// with the SUB filter. Level 1 is the fast setting that screenshots want (3-30x faster than
/// adaptive filtering at a small cost in size).
caf::expected<std::vector<uint8_t>> encode_png(const rgb_image& image, int compression_level = 1);

/// Returns the pixels of an 8-bit RGB or RGBA PNG (alpha dropped); for tests and tools that read
/// screenshots back.
caf::expected<rgb_image> decode_png(const std::vector<uint8_t>& bytes);

} // namespace cua
