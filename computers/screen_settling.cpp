#include "computers/screen_settling.hpp"

#include <algorithm>

namespace cua {

using std::chrono::milliseconds;

settle_watch::settle_watch(const settle_options& options, clock::time_point start)
  : options_(options), start_(start), last_change_(start) {
}

void settle_watch::changed(clock::time_point t) {
  last_change_ = std::max(last_change_, t);
}

std::optional<milliseconds> settle_watch::remaining(clock::time_point now) const {
  auto to_bound = start_ + options_.bound - now;
  if (to_bound <= clock::duration::zero())
    return std::nullopt;
  if (options_.fixed)
    return std::chrono::ceil<milliseconds>(to_bound);
  auto to_quiet = last_change_ + options_.quiet - now;
  if (to_quiet <= clock::duration::zero())
    return std::nullopt;
  return std::chrono::ceil<milliseconds>(std::min(to_bound, to_quiet));
}

settle_report settle_watch::report(clock::time_point now) const {
  settle_report out;
  out.waited_ms = static_cast<int32_t>(
    std::chrono::duration_cast<milliseconds>(now - start_).count());
  out.settled = options_.fixed || now - last_change_ >= options_.quiet;
  return out;
}

} // namespace cua
