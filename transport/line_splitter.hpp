#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace cua {

/// Splits a byte stream into lines ("\n" or "\r\n"), refusing lines longer than a bound without
/// buffering them: an oversized line is skipped up to its end and reported by its size.
class line_splitter {
public:
  using line_handler = std::function<void(std::string line)>;
  using oversize_handler = std::function<void(size_t size)>;

  line_splitter(size_t max_line, line_handler on_line, oversize_handler on_oversize);

  /// Consumes `size` bytes of input.
  void feed(const char* data, size_t size);

  /// Ends the input: a last line without a newline still counts.
  void finish();

private:
  void emit();

  size_t max_line_;
  line_handler on_line_;
  oversize_handler on_oversize_;
  std::string buffer_;
  bool skipping_ = false;
  size_t skipped_ = 0;
};

} // namespace cua
