#pragma once

#include <cstdint>
#include <vector>

#include <caf/expected.hpp>

#include "computers/rgb_image.hpp"

namespace cua {

/// Returns `image` as PNG: indexed (1-8 bits a pixel) when it has at most 256 colours, else RGB
/// with one filter for all rows, the one png_filter_for() picks. Level 1 is the fast setting that
/// screenshots want (3-30x faster than adaptive filtering at a small cost in size).
caf::expected<std::vector<uint8_t>> encode_png(const rgb_image& image, int compression_level = 1);

/// Returns the PNG filter (PNG_FILTER_NONE, PNG_FILTER_SUB or PNG_FILTER_UP) under which a sample
/// of the image's rows (~3%) deflates smallest. The best one depends on the screen: none for text
/// (deflate finds repeated glyphs as they are: a busy terminal is 10% smaller and 40% faster to
/// encode than with SUB), up for gradients and flat panels (4x smaller), sub for photos.
int png_filter_for(const rgb_image& image, int compression_level = 1);

/// The widest and tallest image decode_png accepts (8K screens fit).
constexpr int32_t max_decoded_side = 16384;

/// Returns the pixels of a PNG of any colour type as 8-bit RGB (alpha dropped, interlacing
/// undone): screenshots from remote computers, and tests that read ours back.
caf::expected<rgb_image> decode_png(const std::vector<uint8_t>& bytes);

} // namespace cua
