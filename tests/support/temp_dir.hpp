#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

// A directory of the test's own under /tmp, and reading a file whole.

namespace cua::test {

/// A new directory /tmp/PREFIX-XXXXXX, removed with everything in it at the end of its scope.
class temp_dir {
public:
  explicit temp_dir(const std::string& prefix) {
    auto name = "/tmp/" + prefix + "-XXXXXX";
    path = mkdtemp(name.data());
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::filesystem::path path;
};

/// Returns the bytes of `file` ("" if it is not a regular file or cannot be read).
inline std::string read_whole_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return {};
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace cua::test
