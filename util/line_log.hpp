#pragma once

#include <cstdint>
#include <string>

namespace cua {

/// A file of lines that only grows: each line is appended with one write(2) as it comes (nothing
/// waits in a buffer of ours, so a line written is a line kept, whatever ends the process), and
/// the file is rotated by size: FILE becomes FILE.1, FILE.1 becomes FILE.2 ..., the oldest of
/// `keep` goes. The file is made readable by its owner only.
class line_log {
public:
  /// Opens (creates) `path`; returns false, with why in `error`, if it cannot.
  line_log(std::string path, uint64_t max_bytes, int keep = 5);
  ~line_log();

  line_log(const line_log&) = delete;
  line_log& operator=(const line_log&) = delete;

  bool open() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

  /// Appends `line` and a newline; rotates first if it would pass the size bound. Returns false
  /// (and keeps why in error()) if the write failed.
  bool append(const std::string& line);

private:
  void rotate();
  bool reopen();

  std::string path_;
  uint64_t max_bytes_;
  int keep_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string error_;
};

} // namespace cua
