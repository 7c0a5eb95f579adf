// A desktop program for the settling tests, started inside a desktop (its startup program): a
// full-screen black window that, on a key press, works for N ms (as an application computing its
// answer does) and then paints itself white; or one that never stops animating.
//
//   settle_client --delay-ms N     (on each key press: N ms of work, then white)
//   settle_client --animate        (a new colour every 16 ms, for ever)

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <X11/Xlib.h>

int main(int argc, char** argv) {
  long delay_ms = 0;
  bool animate = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--animate") == 0)
      animate = true;
    else if (std::strcmp(argv[i], "--delay-ms") == 0 && i + 1 < argc)
      delay_ms = std::atol(argv[++i]);
  }
  Display* display = XOpenDisplay(nullptr);
  if (display == nullptr)
    return 1;
  auto screen = DefaultScreen(display);
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True;
  attrs.background_pixel = 0x000000;
  attrs.event_mask = KeyPressMask | ExposureMask;
  auto window = XCreateWindow(display, RootWindow(display, screen), 0, 0,
                              static_cast<unsigned>(DisplayWidth(display, screen)),
                              static_cast<unsigned>(DisplayHeight(display, screen)), 0,
                              CopyFromParent, InputOutput, CopyFromParent,
                              CWOverrideRedirect | CWBackPixel | CWEventMask, &attrs);
  XMapRaised(display, window);
  XSync(display, False);
  XSetInputFocus(display, window, RevertToParent, CurrentTime);
  auto gc = XCreateGC(display, window, 0, nullptr);
  auto paint = [&](unsigned long rgb) {
    XSetForeground(display, gc, rgb);
    XFillRectangle(display, window, gc, 0, 0, static_cast<unsigned>(DisplayWidth(display, screen)),
                   static_cast<unsigned>(DisplayHeight(display, screen)));
    XFlush(display);
  };
  if (animate) {
    for (unsigned long colour = 0;; colour = (colour + 0x010203) & 0xffffff) {
      paint(colour);
      std::this_thread::sleep_for(std::chrono::milliseconds(16));
    }
  }
  for (;;) {
    XEvent event;
    XNextEvent(display, &event);
    if (event.type != KeyPress)
      continue;
    // Work, not sleep: an application computing its answer is busy until it draws.
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    volatile unsigned long sink = 0;
    while (std::chrono::steady_clock::now() < until)
      for (int i = 0; i < 10000; ++i)
        sink = sink + static_cast<unsigned long>(i);
    paint(0xffffff);
  }
}
