#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <X11/Xlib.h>

namespace cua::test {

/// A small X client on a computer's display: one window of a solid colour that records the key
/// and button events it gets. Tests use it to put known pixels on a screen and to see where input
/// lands.
class x_client {
public:
  /// Opens `display` with `cookie` and maps a window at (x, y) of size w x h in `rgb` colour.
  x_client(const std::string& display, const std::string& cookie, int x, int y, int w, int h,
           unsigned long rgb);
  ~x_client();

  bool ok() const { return display_ != nullptr; }

  /// Recorded events, read within `wait`.
  struct event {
    int type; // ButtonPress, KeyPress
    unsigned int detail; // button number; for keys the keysym
    int x;
    int y;
  };
  std::vector<event> events(std::chrono::milliseconds wait = std::chrono::milliseconds(500));

private:
  Display* display_ = nullptr;
  Window window_ = 0;
};

} // namespace cua::test
