#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "computers/rgb_image.hpp"

namespace cua {

/// Writes PNG row `y` of an RGB image as the image data holds it: its filter-type byte, then its
/// bytes filtered with `filter` (PNG_FILTER_NONE, PNG_FILTER_SUB or PNG_FILTER_UP). `out` has
/// room for width * 3 + 1 bytes.
void filter_png_row(const rgb_image& image, int32_t y, int filter, uint8_t* out);

/// Writes the pixels of one row of palette indices (one a byte) as PNG packs them at `depth` bits a
/// pixel (1, 2, 4 or 8; leftmost pixel in the high bits), after a filter-type byte of none: `out`
/// has room for (width * depth + 7) / 8 + 1 bytes.
void pack_png_row(const uint8_t* indices, int32_t width, int depth, uint8_t* out);

/// Writes PNG row `y` as the image data holds it (filter-type byte first).
using png_row_writer = std::function<void(int32_t y, uint8_t* out)>;

/// Returns the zlib stream of a PNG's image data: `height` rows of `row_size` bytes each, as
/// `write_row` gives them, deflated in `parts` bands of rows at once, each on a thread of its own,
/// the way pigz does: each band but the last ends on a byte boundary without a final block, the
/// last one is a raw stream that ends the whole, and the Adler-32 of the bands combined closes it.
/// On two cores a screen's deflate, most of a screenshot's cost, takes about half the time.
/// Returns nothing if zlib fails.
std::optional<std::vector<uint8_t>> deflate_png_rows(int32_t height, size_t row_size,
                                                     const png_row_writer& write_row, int level,
                                                     int strategy, int parts);

} // namespace cua
