#include "transport/line_splitter.hpp"

#include <cstring>

namespace cua {

line_splitter::line_splitter(size_t max_line, line_handler on_line, oversize_handler on_oversize)
  : max_line_(max_line), on_line_(std::move(on_line)), on_oversize_(std::move(on_oversize)) {
}

void line_splitter::feed(const char* data, size_t size) {
  while (size > 0) {
    auto* newline = static_cast<const char*>(std::memchr(data, '\n', size));
    auto chunk = newline != nullptr ? static_cast<size_t>(newline - data) : size;
    if (skipping_) {
      skipped_ += chunk;
    } else if (buffer_.size() + chunk > max_line_ + 1) { // +1: a '\r' before the newline
      skipping_ = true;
      skipped_ = buffer_.size() + chunk;
      buffer_.clear();
      buffer_.shrink_to_fit();
    } else {
      buffer_.append(data, chunk);
    }
    if (newline == nullptr)
      return;
    emit();
    data += chunk + 1;
    size -= chunk + 1;
  }
}

void line_splitter::finish() {
  if (skipping_ || !buffer_.empty())
    emit();
}

void line_splitter::emit() {
  if (skipping_) {
    skipping_ = false;
    on_oversize_(skipped_);
    skipped_ = 0;
    return;
  }
  if (!buffer_.empty() && buffer_.back() == '\r')
    buffer_.pop_back();
  if (buffer_.size() > max_line_) {
    buffer_.clear();
    on_oversize_(max_line_ + 1);
    return;
  }
  std::string line;
  line.swap(buffer_);
  on_line_(std::move(line));
}

} // namespace cua
