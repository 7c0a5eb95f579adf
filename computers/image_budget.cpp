#include "computers/image_budget.hpp"

#include <algorithm>
#include <cmath>

namespace cua {

image_size fit_to_budget(image_size screen, image_budget budget) {
  if (screen.width <= 0 || screen.height <= 0)
    return {0, 0};
  double scale = 1.0;
  auto long_edge = std::max(screen.width, screen.height);
  if (long_edge > budget.max_long_edge)
    scale = static_cast<double>(budget.max_long_edge) / long_edge;
  auto pixels = static_cast<double>(screen.width) * screen.height;
  if (pixels * scale * scale > static_cast<double>(budget.max_pixels))
    scale = std::sqrt(static_cast<double>(budget.max_pixels) / pixels);
  if (scale >= 1.0)
    return screen;
  // Round down so that both limits hold after rounding.
  return {std::max(1, static_cast<int32_t>(std::floor(screen.width * scale))),
          std::max(1, static_cast<int32_t>(std::floor(screen.height * scale)))};
}

namespace {

int32_t map_axis(int32_t value, int32_t from, int32_t to) {
  if (from <= 0 || to <= 0)
    return 0;
  auto mapped = static_cast<int32_t>(std::lround(static_cast<double>(value) * to / from));
  return std::clamp(mapped, 0, to - 1);
}

} // namespace

void image_to_screen(image_size image, image_size screen, int32_t& x, int32_t& y) {
  x = map_axis(x, image.width, screen.width);
  y = map_axis(y, image.height, screen.height);
}

void screen_to_image(image_size image, image_size screen, int32_t& x, int32_t& y) {
  x = map_axis(x, screen.width, image.width);
  y = map_axis(y, screen.height, image.height);
}

rgb_image downscale(const rgb_image& source, image_size target) {
  if (target.width == source.width && target.height == source.height)
    return source;
  rgb_image out;
  downscale_into(source, target, out);
  return out;
}

void downscale_into(const rgb_image& source, image_size target, rgb_image& out) {
  out.width = target.width;
  out.height = target.height;
  out.pixels.resize(static_cast<size_t>(target.width) * target.height * 3);
  for (int32_t ty = 0; ty < target.height; ++ty) {
    auto y0 = static_cast<int64_t>(ty) * source.height / target.height;
    auto y1 = std::max(y0 + 1, static_cast<int64_t>(ty + 1) * source.height / target.height);
    auto* dst = out.row(ty);
    for (int32_t tx = 0; tx < target.width; ++tx) {
      auto x0 = static_cast<int64_t>(tx) * source.width / target.width;
      auto x1 = std::max(x0 + 1, static_cast<int64_t>(tx + 1) * source.width / target.width);
      uint64_t sum[3] = {0, 0, 0};
      for (auto sy = y0; sy < y1; ++sy) {
        const auto* src = source.row(static_cast<int32_t>(sy));
        for (auto sx = x0; sx < x1; ++sx)
          for (int c = 0; c < 3; ++c)
            sum[c] += src[sx * 3 + c];
      }
      auto count = static_cast<uint64_t>((y1 - y0) * (x1 - x0));
      for (int c = 0; c < 3; ++c)
        dst[tx * 3 + c] = static_cast<uint8_t>(sum[c] / count);
    }
  }
}

} // namespace cua
