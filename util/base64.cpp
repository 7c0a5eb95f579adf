#include "util/base64.hpp"

#include <openssl/evp.h>

namespace cua {

std::string base64_encode(const std::vector<uint8_t>& bytes) {
  std::string out;
  out.resize(4 * ((bytes.size() + 2) / 3) + 1);
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                           static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(const std::string& text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::vector<uint8_t> out(3 * text.size() / 4 + 1);
  auto n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                           static_cast<int>(text.size()));
  if (n < 0)
    return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; take them off again.
  size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

} // namespace cua
