#pragma once

#include <cstdint>
#include <string>

namespace cua {

/// Settings every backend reads from the command line; a backend ignores what it has no use for.
struct backend_options {
  std::string backend = "xvfb";
  int32_t screen_width = 1280;
  int32_t screen_height = 800;
  int32_t sim_latency_ms = 0; // sim: delay added to every call, to model a remote computer
  std::string window_manager = "matchbox-window-manager"; // xvfb: the window manager of each desktop
  std::string desktop_startup = "xterm";   // xvfb: what each desktop starts with (sh -c)
};

} // namespace cua
