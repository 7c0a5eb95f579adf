#pragma once

#include <chrono>
#include <string>

namespace cua {

/// Returns `t` as ISO 8601 UTC text with milliseconds, e.g. "2026-11-25T18:30:00.123Z".
std::string iso8601(std::chrono::system_clock::time_point t);

} // namespace cua
