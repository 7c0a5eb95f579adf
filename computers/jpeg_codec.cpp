#include "computers/jpeg_codec.hpp"

#include <string>

#include <turbojpeg.h>

#include "messages/errors.hpp"

namespace cua {

caf::expected<std::vector<uint8_t>> encode_jpeg(const rgb_image& image, int quality) {
  if (image.width <= 0 || image.height <= 0
      || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
    return make_error(errc::internal, "cannot encode an empty or malformed image");
  auto* encoder = tjInitCompress();
  if (encoder == nullptr)
    return make_error(errc::internal, "libjpeg-turbo could not start an encoder");
  unsigned char* data = nullptr;
  unsigned long size = 0;
  auto rc = tjCompress2(encoder, image.pixels.data(), image.width, 0, image.height, TJPF_RGB, &data,
                        &size, TJSAMP_420, quality, TJFLAG_FASTDCT);
  std::vector<uint8_t> out;
  if (rc == 0)
    out.assign(data, data + size);
  std::string why = rc == 0 ? "" : tjGetErrorStr2(encoder);
  tjFree(data);
  tjDestroy(encoder);
  if (rc != 0)
    return make_error(errc::internal, "JPEG encoding failed: " + why);
  return out;
}

} // namespace cua
