#pragma once

#include <cstddef>

namespace cua {

/// Writes all `size` bytes at `data` to `fd`, retrying short writes and EINTR; returns false
/// (errno set) when the descriptor refuses them.
bool write_all(int fd, const char* data, size_t size);

} // namespace cua
