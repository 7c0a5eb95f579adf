#include "util/clock_text.hpp"

#include <ctime>

namespace cua {

std::string iso8601(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto secs = system_clock::to_time_t(t);
  auto millis = duration_cast<milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm parts{};
  gmtime_r(&secs, &parts);
  char text[32];
  auto n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

} // namespace cua
