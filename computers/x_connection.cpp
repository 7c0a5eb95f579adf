#include "computers/x_connection.hpp"

#include <mutex>

#include <spdlog/spdlog.h>

namespace cua {

void install_x_error_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    XInitThreads();
    XSetErrorHandler([](Display*, XErrorEvent* e) {
      spdlog::debug("X error {} on request {}", static_cast<int>(e->error_code),
                    static_cast<int>(e->request_code));
      return 0;
    });
    XSetIOErrorHandler([](Display*) { return 0; });
  });
}

Display* open_x_display(const std::string& display, const std::string& cookie) {
  install_x_error_handlers();
  static std::mutex connecting;
  std::lock_guard<std::mutex> guard(connecting);
  std::string name = "MIT-MAGIC-COOKIE-1";
  XSetAuthorization(name.data(), static_cast<int>(name.size()), const_cast<char*>(cookie.data()),
                    static_cast<int>(cookie.size()));
  auto* dpy = XOpenDisplay(display.c_str());
  XSetAuthorization(nullptr, 0, nullptr, 0);
  return dpy;
}

} // namespace cua
