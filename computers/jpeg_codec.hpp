#pragma once

#include <cstdint>
#include <vector>

#include <caf/expected.hpp>

#include "computers/rgb_image.hpp"

namespace cua {

/// Returns `image` as baseline JPEG at `quality` (1-100), with libjpeg-turbo: ~2 ms for 1280x800
/// whatever the content, where PNG of a photo-like screen costs ~50 ms and megabytes.
caf::expected<std::vector<uint8_t>> encode_jpeg(const rgb_image& image, int quality = 75);

} // namespace cua
