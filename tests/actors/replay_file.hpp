#pragma once

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

namespace cua::test {

/// A replay script in a temporary file, removed when the object goes.
class replay_file {
public:
  explicit replay_file(const std::string& lines) {
    char name[] = "/tmp/cua-replay-XXXXXX";
    int fd = mkstemp(name);
    close(fd);
    path_ = name;
    std::ofstream(path_) << lines;
  }
  ~replay_file() { std::remove(path_.c_str()); }

  /// Returns the model spec that replays this file.
  std::string model() const { return "replay:" + path_; }

private:
  std::string path_;
};

} // namespace cua::test
