#include "util/fd_line_reader.hpp"

#include <poll.h>
#include <unistd.h>

namespace cua {

std::optional<std::string> fd_line_reader::next_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      auto line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0)
      return std::nullopt;
    pollfd fd{fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left)) <= 0)
      continue;
    char chunk[1 << 16];
    auto n = read(fd_, chunk, sizeof(chunk));
    if (n <= 0)
      return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

std::string fd_line_reader::take_buffer() {
  std::string out;
  out.swap(buffer_);
  return out;
}

} // namespace cua
