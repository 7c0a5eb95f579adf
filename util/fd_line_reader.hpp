#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace cua {

/// Reads newline-terminated lines from a file descriptor with a deadline; for the clients of our
/// own tests and benchmarks, which talk to the server over pipes.
class fd_line_reader {
public:
  explicit fd_line_reader(int fd) : fd_(fd) {}

  /// Returns the next line (without its newline), or nothing within `timeout` or at end of input.
  std::optional<std::string> next_line(std::chrono::milliseconds timeout);

  /// Returns whether a whole line is already read, so that next_line needs no system call.
  bool has_line() const;

  /// Returns what was read but not returned as a line yet, and forgets it.
  std::string take_buffer();

  int fd() const { return fd_; }

private:
  int fd_;
  std::string buffer_;
  size_t start_ = 0; // lines before this offset of buffer_ were returned already
};

} // namespace cua
