#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cua {

/// Returns the standard (RFC 4648, padded) base64 form of `bytes`.
std::string base64_encode(const std::vector<uint8_t>& bytes);

/// Returns the bytes behind standard base64 `text`, or nothing if it is not valid base64.
std::optional<std::vector<uint8_t>> base64_decode(const std::string& text);

} // namespace cua
