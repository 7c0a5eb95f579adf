#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "computers/rgb_image.hpp"

namespace cua {

/// Writes PNG row `y` of an RGB image as the image data holds it: its filter-type byte, then its
/// bytes filtered with `filter` (PNG_FILTER_NONE, PNG_FILTER_SUB or PNG_FILTER_UP). `out` has
/// room for width * 3 + 1 bytes.
void filter_png_row(const rgb_image& image, int32_t y, int filter, uint8_t* out);

/// Returns the zlib stream of an RGB image's PNG image data (every row filtered with `filter`),
/// deflated in `parts` bands of rows at once, each on a thread of its own, the way pigz does: each
/// band but the last ends on a byte boundary without a final block, the last one is a raw stream
/// that ends the whole, and the Adler-32 of the bands combined closes it. On two cores a busy
/// screen's deflate, which is most of a screenshot's cost, takes half the time. Returns nothing if
/// zlib fails.
std::optional<std::vector<uint8_t>> deflate_png_rows(const rgb_image& image, int filter, int level,
                                                     int parts);

} // namespace cua
