#include "util/fd_line_reader.hpp"

#include <poll.h>
#include <unistd.h>

namespace cua {

std::optional<std::string> fd_line_reader::next_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto newline = buffer_.find('\n', start_);
    if (newline != std::string::npos) {
      auto line = buffer_.substr(start_, newline - start_);
      start_ = newline + 1;
      return line;
    }
    // Returned lines are dropped once per read, not once per line (a pipelined client gets
    // dozens of lines a read).
    buffer_.erase(0, start_);
    start_ = 0;
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

bool fd_line_reader::has_line() const {
  return buffer_.find('\n', start_) != std::string::npos;
}

std::string fd_line_reader::take_buffer() {
  auto out = buffer_.substr(start_);
  buffer_.clear();
  start_ = 0;
  return out;
}

} // namespace cua
