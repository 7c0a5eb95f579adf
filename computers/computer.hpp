#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "computers/rgb_image.hpp"
#include "computers/screen_settling.hpp"
#include "messages/computer_messages.hpp"

namespace cua {

/// A computer backend: one screen with a mouse and a keyboard. Calls may block (X11, HTTP, process
/// spawning), so a computer is only ever driven from its own computer actor, which runs on a thread of
/// its own; no two calls on one computer overlap.
class computer {
public:
  virtual ~computer() = default;

  /// Brings the computer up and returns its identity and screen size. Called once, first.
  virtual caf::expected<computer_info> start() = 0;

  /// Puts the current screen contents, at screen resolution, into `frame`, reusing its memory
  /// (a fresh 3 MB buffer per screenshot costs more in page faults than the capture itself).
  virtual caf::error capture_into(rgb_image& frame) = 0;

  /// Returns the current screen contents at screen resolution.
  caf::expected<rgb_image> capture() {
    rgb_image frame;
    if (auto err = capture_into(frame))
      return err;
    return frame;
  }

  /// Says whether the screen may have changed since the last capture: false only when the backend
  /// knows it has not (X DAMAGE; a screen that changes only when acted on), so that a watched
  /// screen that stays still costs no capture. Default: it may have.
  virtual bool changed_since_capture() { return true; }

  /// Performs `action`, whose coordinates are already in screen space. Never called with `wait` or
  /// `screenshot`, which the computer actor handles itself.
  virtual caf::expected<action_outcome> perform(const computer_action& action) = 0;

  /// Waits, within the bound of --settle-ms, until the screen shows what the last action did: no
  /// sign of change for the quiet window. Called after every action but cursor_position. The
  /// default is for screens that change only when acted on (sim): nothing to wait for.
  virtual settle_report settle() { return {}; }

  /// Brings the computer back to the state it had after start(), so that the next session sees
  /// nothing of the last one. An error means the computer cannot be reused and must be replaced.
  virtual caf::error reset() = 0;

  /// Ends, from any thread, what a call in progress may be stuck on (the backend's own processes),
  /// so that the call returns; the computer is not used again afterwards. Default: nothing to end.
  virtual void interrupt() {}

  /// Tears the computer down, releasing every process and file it made. Safe to call twice.
  virtual void destroy() = 0;
};

} // namespace cua
