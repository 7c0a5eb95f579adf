#include "tests/xvfb/x_client.hpp"

#include <X11/XKBlib.h>
#include <X11/Xutil.h>
#include <poll.h>

#include "computers/x_connection.hpp"

namespace cua::test {

x_client::x_client(const std::string& display, const std::string& cookie, int x, int y, int w,
                   int h, unsigned long rgb) {
  display_ = open_x_display(display, cookie);
  if (display_ == nullptr)
    return;
  auto screen = DefaultScreen(display_);
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True; // the window manager leaves it where the test put it
  attrs.background_pixel = rgb;   // 24-bit TrueColor: the pixel value is the colour
  attrs.event_mask = ButtonPressMask | KeyPressMask | ExposureMask | StructureNotifyMask;
  window_ = XCreateWindow(display_, RootWindow(display_, screen), x, y, static_cast<unsigned>(w),
                          static_cast<unsigned>(h), 0, CopyFromParent, InputOutput, CopyFromParent,
                          CWOverrideRedirect | CWBackPixel | CWEventMask, &attrs);
  XMapRaised(display_, window_);
  // Wait until it is on the screen, then take the keyboard focus for key tests.
  for (;;) {
    XEvent e;
    XNextEvent(display_, &e);
    if (e.type == MapNotify)
      break;
  }
  XSetInputFocus(display_, window_, RevertToParent, CurrentTime);
  XSync(display_, False);
}

x_client::~x_client() {
  if (display_ != nullptr)
    XCloseDisplay(display_);
}

std::vector<x_client::event> x_client::events(std::chrono::milliseconds wait) {
  std::vector<event> out;
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    while (XPending(display_) > 0) {
      XEvent e;
      XNextEvent(display_, &e);
      if (e.type == MappingNotify)
        XRefreshKeyboardMapping(&e.xmapping);
      else if (e.type == ButtonPress)
        out.push_back({ButtonPress, e.xbutton.button, e.xbutton.x, e.xbutton.y});
      else if (e.type == KeyPress)
        out.push_back({KeyPress,
                       static_cast<unsigned int>(XkbKeycodeToKeysym(
                         display_, static_cast<KeyCode>(e.xkey.keycode), 0,
                         (e.xkey.state & ShiftMask) ? 1 : 0)),
                       e.xkey.x, e.xkey.y});
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0)
      return out;
    pollfd fd{ConnectionNumber(display_), POLLIN, 0};
    poll(&fd, 1, static_cast<int>(left));
  }
}

} // namespace cua::test
