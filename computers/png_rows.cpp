#include "computers/png_rows.hpp"

#include <algorithm>
#include <exception>
#include <thread>

#include <png.h>
#include <zlib.h>

namespace cua {

namespace {

struct deflated_band {
  std::vector<uint8_t> bytes;
  uLong adler = 0;
  bool ok = false;
};

// Deflates rows [first, last): with the zlib header if it is the first band, as a raw stream
// otherwise; finished if it is the last band, flushed to a byte boundary otherwise.
deflated_band deflate_band(int32_t first, int32_t last, size_t row_size,
                           const png_row_writer& write_row, int level, int strategy,
                           bool first_band, bool last_band) {
  deflated_band out;
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, first_band ? 15 : -15, 8, strategy) != Z_OK)
    return out;
  std::vector<uint8_t> row(row_size);
  out.bytes.resize(deflateBound(&z, static_cast<uLong>(row_size * (last - first))) + 64);
  out.adler = adler32(0, nullptr, 0);
  z.next_out = out.bytes.data();
  z.avail_out = static_cast<uInt>(out.bytes.size());
  bool ok = true;
  for (auto y = first; y < last && ok; ++y) {
    write_row(y, row.data());
    if (!first_band) // the first band's zlib stream keeps its own (z.adler)
      out.adler = adler32(out.adler, row.data(), static_cast<uInt>(row_size));
    z.next_in = row.data();
    z.avail_in = static_cast<uInt>(row_size);
    auto flush = y + 1 < last ? Z_NO_FLUSH : (last_band ? Z_FINISH : Z_SYNC_FLUSH);
    auto status = deflate(&z, flush);
    ok = (status == Z_OK || status == Z_STREAM_END) && z.avail_in == 0;
    if (flush == Z_FINISH)
      ok = ok && status == Z_STREAM_END;
  }
  out.bytes.resize(z.total_out);
  if (first_band)
    out.adler = z.adler;
  deflateEnd(&z);
  out.ok = ok;
  return out;
}

} // namespace

void filter_png_row(const rgb_image& image, int32_t y, int filter, uint8_t* out) {
  auto stride = static_cast<size_t>(image.width) * 3;
  const uint8_t* row = image.row(y);
  const uint8_t* above = y > 0 ? image.row(y - 1) : nullptr;
  switch (filter) {
    case PNG_FILTER_SUB:
      *out++ = PNG_FILTER_VALUE_SUB;
      for (size_t i = 0; i < stride; ++i)
        out[i] = static_cast<uint8_t>(row[i] - (i >= 3 ? row[i - 3] : 0));
      return;
    case PNG_FILTER_UP:
      *out++ = PNG_FILTER_VALUE_UP;
      for (size_t i = 0; i < stride; ++i)
        out[i] = static_cast<uint8_t>(row[i] - (above != nullptr ? above[i] : 0));
      return;
    default:
      *out++ = PNG_FILTER_VALUE_NONE;
      std::copy(row, row + stride, out);
      return;
  }
}

void pack_png_row(const uint8_t* indices, int32_t width, int depth, uint8_t* out) {
  *out++ = PNG_FILTER_VALUE_NONE;
  if (depth == 8) {
    std::copy(indices, indices + width, out);
    return;
  }
  std::fill(out, out + (static_cast<size_t>(width) * depth + 7) / 8, uint8_t{0});
  auto per_byte = 8 / depth;
  for (int32_t x = 0; x < width; ++x)
    out[x / per_byte] |= static_cast<uint8_t>(indices[x] << (8 - depth * (x % per_byte + 1)));
}

std::optional<std::vector<uint8_t>> deflate_png_rows(int32_t height, size_t row_size,
                                                     const png_row_writer& write_row, int level,
                                                     int strategy, int parts) {
  if (height <= 0)
    return std::nullopt;
  parts = std::clamp(parts, 1, height);
  auto first_row = [&](int64_t part) { return static_cast<int32_t>(height * part / parts); };
  std::vector<deflated_band> bands(static_cast<size_t>(parts));
  auto run = [&](int part) {
    bands[static_cast<size_t>(part)] = deflate_band(first_row(part), first_row(part + 1), row_size,
                                                    write_row, level, strategy, part == 0,
                                                    part == parts - 1);
  };
  // The first band runs here; each other one on a thread that ends with it (a thread that cannot
  // be had leaves its band to this thread).
  std::vector<std::thread> helpers;
  std::vector<int> left_over;
  for (int part = 1; part < parts; ++part) {
    try {
      helpers.emplace_back(run, part);
    } catch (const std::exception&) {
      left_over.push_back(part);
    }
  }
  run(0);
  for (auto part : left_over)
    run(part);
  for (auto& helper : helpers)
    helper.join();
  std::vector<uint8_t> out;
  size_t total = 4;
  for (const auto& band : bands) {
    if (!band.ok)
      return std::nullopt;
    total += band.bytes.size();
  }
  // One band is a whole zlib stream already, its Adler-32 written by zlib.
  if (parts == 1)
    return std::move(bands[0].bytes);
  out.reserve(total);
  auto adler = bands[0].adler;
  for (size_t i = 0; i < bands.size(); ++i) {
    out.insert(out.end(), bands[i].bytes.begin(), bands[i].bytes.end());
    if (i > 0) {
      auto rows = first_row(static_cast<int64_t>(i) + 1) - first_row(static_cast<int64_t>(i));
      adler = adler32_combine(adler, bands[i].adler, static_cast<z_off_t>(rows * row_size));
    }
  }
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(adler >> shift));
  return out;
}

} // namespace cua
