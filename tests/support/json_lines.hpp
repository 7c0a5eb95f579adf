#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.hpp"

// Files of JSON lines (the audit log, a recording's steps) read back by tests.

namespace cua::test {

/// Returns each line of `file` as JSON; a line that is not a JSON object fails the test.
inline std::vector<nlohmann::json> json_lines_of(const std::filesystem::path& file) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(read_whole_file(file));
  for (std::string line; std::getline(lines, line);) {
    auto record = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(record.is_object()) << "not a JSON object: " << line;
    out.push_back(record);
  }
  return out;
}

} // namespace cua::test
