#include "computers/png_codec.hpp"

#include <csetjmp>
#include <cstring>
#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <string>
#include <thread>

#include <png.h>
#include <zlib.h>

#include "computers/indexed_image.hpp"
#include "computers/png_rows.hpp"
#include "messages/errors.hpp"

namespace cua {

namespace {

void append_to_vector(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}

struct read_cursor {
  const std::vector<uint8_t>* bytes;
  size_t offset;
};

void read_from_vector(png_structp png, png_bytep data, png_size_t length) {
  auto* cursor = static_cast<read_cursor*>(png_get_io_ptr(png));
  if (cursor->offset + length > cursor->bytes->size())
    png_error(png, "truncated PNG data");
  std::memcpy(data, cursor->bytes->data() + cursor->offset, length);
  cursor->offset += length;
}

} // namespace

int png_filter_for(const rgb_image& image, int compression_level) {
  // Bands spread over the screen, a few rows each: deflate needs some rows together to find what
  // repeats from one to the next.
  constexpr int32_t bands = 6;
  constexpr int32_t rows_per_band = 4;
  auto stride = static_cast<size_t>(image.width) * 3;
  std::vector<std::pair<int32_t, int32_t>> sample; // first row, rows
  if (image.height < bands * rows_per_band * 2)
    sample.emplace_back(0, image.height);
  else
    for (int32_t b = 0; b < bands; ++b)
      sample.emplace_back((image.height - rows_per_band) * (2 * b + 1) / (2 * bands), rows_per_band);
  z_stream z{};
  if (deflateInit(&z, compression_level) != Z_OK)
    return PNG_FILTER_SUB;
  size_t sampled_rows = 0;
  for (auto [first, rows] : sample)
    sampled_rows += static_cast<size_t>(rows);
  std::vector<uint8_t> filtered(sampled_rows * (stride + 1));
  std::vector<uint8_t> out(64 * 1024);
  int best = PNG_FILTER_SUB;
  auto best_size = std::numeric_limits<uLong>::max();
  for (int filter : {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP}) {
    auto* at = filtered.data();
    for (auto [first, rows] : sample)
      for (auto y = first; y < first + rows; ++y) {
        filter_png_row(image, y, filter, at);
        at += stride + 1;
      }
    deflateReset(&z);
    z.next_in = filtered.data();
    z.avail_in = static_cast<uInt>(filtered.size());
    // Only the size counts: the output buffer is reused as deflate fills it.
    int status = Z_OK;
    while (status == Z_OK) {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      status = deflate(&z, Z_FINISH);
    }
    if (status == Z_STREAM_END && z.total_out < best_size) {
      best_size = z.total_out;
      best = filter;
    }
  }
  deflateEnd(&z);
  return best;
}

caf::expected<std::vector<uint8_t>> encode_png(const rgb_image& image, int compression_level) {
  if (image.width <= 0 || image.height <= 0
      || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
    return make_error(errc::internal, "cannot encode an empty or malformed image");
  // A screen of few colours goes out as an indexed PNG, packed to 1, 2, 4 or 8 bits a pixel:
  // deflate, where the time goes, then sees an eighth to a third of the bytes.
  auto indexed = to_indexed(image);
  // A full screen is deflated in bands on the cores no other encoding keeps busy (up to 4): that
  // cuts one screenshot's latency, while several at once are faster each on one core, without
  // the threads. Less than 512 KB of image data (a screen of 16 colours or fewer) is not worth
  // them. Otherwise libpng deflates the rows itself. (Declared before libpng's setjmp: a longjmp
  // back to it must not skip their destructors.)
  static std::atomic<int> encoding{0};
  struct counted {
    counted() { ++encoding; }
    ~counted() { --encoding; }
  } count_this;
  auto cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto parts = std::min(4, cores / std::max(1, encoding.load()));
  std::optional<std::vector<uint8_t>> idat;
  auto* png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr)
    return make_error(errc::internal, "libpng could not start an encoder");
  auto* info = png_create_info_struct(png);
  std::vector<uint8_t> out;
  out.reserve(image.pixels.size() / 8);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return make_error(errc::internal, "libpng failed to encode the screenshot");
  }
  png_set_write_fn(png, &out, append_to_vector, nullptr);
  png_set_compression_level(png, compression_level);
  auto width = static_cast<png_uint_32>(image.width);
  auto height = static_cast<png_uint_32>(image.height);
  auto worth_bands = [&](size_t row_size) { return parts > 1 && row_size * height >= 512 * 1024; };
  if (indexed) {
    auto colors = indexed->palette.size();
    int depth = colors <= 2 ? 1 : colors <= 4 ? 2 : colors <= 16 ? 4 : 8;
    png_set_IHDR(png, info, width, height, depth, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    std::vector<png_color> palette;
    for (const auto& c : indexed->palette)
      palette.push_back(png_color{c[0], c[1], c[2]});
    png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE); // filters do not help indices
    png_set_compression_strategy(png, Z_RLE);
    png_write_info(png, info);
    const auto* indices = indexed->indices.data();
    auto row_size = (static_cast<size_t>(width) * depth + 7) / 8 + 1;
    if (worth_bands(row_size))
      idat = deflate_png_rows(
        image.height, row_size,
        [&](int32_t y, uint8_t* row) {
          pack_png_row(indices + static_cast<size_t>(y) * width, image.width, depth, row);
        },
        compression_level, Z_RLE, parts);
    if (!idat) {
      png_set_packing(png); // one index a byte in, `depth` bits a pixel out
      for (png_uint_32 y = 0; y < height; ++y)
        png_write_row(png, indices + static_cast<size_t>(y) * width);
    }
  } else {
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    auto filter = png_filter_for(image, compression_level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filter);
    png_write_info(png, info);
    if (worth_bands(static_cast<size_t>(width) * 3 + 1))
      idat = deflate_png_rows(
        image.height, static_cast<size_t>(width) * 3 + 1,
        [&](int32_t y, uint8_t* row) { filter_png_row(image, y, filter, row); }, compression_level,
        Z_DEFAULT_STRATEGY, parts);
    if (!idat)
      for (int32_t y = 0; y < image.height; ++y)
        png_write_row(png, const_cast<png_bytep>(image.row(y)));
  }
  if (idat) {
    png_write_chunk(png, reinterpret_cast<png_const_bytep>("IDAT"), idat->data(), idat->size());
    png_write_chunk(png, reinterpret_cast<png_const_bytep>("IEND"), nullptr, 0);
    png_destroy_write_struct(&png, &info);
    return out;
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

caf::expected<rgb_image> decode_png(const std::vector<uint8_t>& bytes) {
  if (bytes.size() < 8 || png_sig_cmp(bytes.data(), 0, 8) != 0)
    return make_error(errc::invalid_arguments, "not a PNG image");
  auto* png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr)
    return make_error(errc::internal, "libpng could not start a decoder");
  auto* info = png_create_info_struct(png);
  rgb_image image;
  read_cursor cursor{&bytes, 0};
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return make_error(errc::invalid_arguments, "the PNG image is corrupt");
  }
  png_set_read_fn(png, &cursor, read_from_vector);
  png_read_info(png, info);
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  auto passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  image.width = static_cast<int32_t>(png_get_image_width(png, info));
  image.height = static_cast<int32_t>(png_get_image_height(png, info));
  // Images come from remote computers too: a forged header must not make us allocate gigabytes.
  if (image.width > max_decoded_side || image.height > max_decoded_side) {
    png_destroy_read_struct(&png, &info, nullptr);
    return make_error(errc::invalid_arguments, "the PNG image is larger than "
                                                 + std::to_string(max_decoded_side) + " pixels a side");
  }
  if (png_get_rowbytes(png, info) != static_cast<size_t>(image.width) * 3) {
    png_destroy_read_struct(&png, &info, nullptr);
    return make_error(errc::invalid_arguments, "unsupported PNG layout");
  }
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  for (int pass = 0; pass < passes; ++pass)
    for (int32_t y = 0; y < image.height; ++y)
      png_read_row(png, image.row(y), nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

} // namespace cua
