#include "util/line_log.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/write_all.hpp"

namespace cua {

line_log::line_log(std::string path, uint64_t max_bytes, int keep)
  : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {
  reopen();
}

line_log::~line_log() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool line_log::reopen() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error_ = path_ + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return true;
}

void line_log::rotate() {
  for (int i = keep_ - 1; i >= 1; --i) {
    auto from = path_ + "." + std::to_string(i);
    auto to = path_ + "." + std::to_string(i + 1);
    std::rename(from.c_str(), to.c_str()); // a missing one is fine
  }
  std::rename(path_.c_str(), (path_ + ".1").c_str());
  reopen();
}

bool line_log::append(const std::string& line) {
  if (fd_ < 0 && !reopen())
    return false;
  auto bytes = line + "\n";
  if (max_bytes_ > 0 && size_ > 0 && size_ + bytes.size() > max_bytes_)
    rotate();
  if (fd_ < 0)
    return false;
  if (!write_all(fd_, bytes.data(), bytes.size())) {
    error_ = path_ + ": " + std::strerror(errno);
    return false;
  }
  size_ += bytes.size();
  return true;
}

} // namespace cua
