#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace cua {

/// How long to wait for a screen to settle after an action.
struct settle_options {
  bool fixed = false;                           // wait `bound` always (the old fixed pause)
  std::chrono::milliseconds quiet{50};          // no sign of change for this long: settled
  std::chrono::milliseconds bound{2000};        // never wait longer than this
};

/// How an action's screen settled.
struct settle_report {
  bool settled = true;  // quiet before the bound (false: still changing when the bound came)
  int32_t waited_ms = 0;
};

/// Decides when a screen has settled: no sign of change (a damaged screen, a busy desktop) for
/// the quiet window, or the bound, whichever comes first. Pure: the caller feeds it the clock and
/// the signs of change, so that it can be tested without a screen.
class settle_watch {
public:
  using clock = std::chrono::steady_clock;

  settle_watch(const settle_options& options, clock::time_point start);

  /// Notes a sign of change at `t`: the quiet window starts again.
  void changed(clock::time_point t);

  /// Returns how long to wait before deciding, or nothing once decided at `now`.
  std::optional<std::chrono::milliseconds> remaining(clock::time_point now) const;

  /// Returns the decision at `now` (call once remaining() says nothing).
  settle_report report(clock::time_point now) const;

private:
  settle_options options_;
  clock::time_point start_;
  clock::time_point last_change_;
};

} // namespace cua
