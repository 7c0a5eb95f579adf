#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "computers/desktop_sandbox.hpp"
#include "computers/screen_settling.hpp"

namespace cua {

/// Settings every backend reads from the command line; a backend ignores what it has no use for.
struct backend_options {
  std::string backend = "xvfb";
  int32_t screen_width = 1280;
  int32_t screen_height = 800;
  int32_t sim_latency_ms = 0; // sim: delay added to every call, to model a remote computer
  std::string window_manager = "matchbox-window-manager"; // xvfb: the window manager of each desktop
  std::string desktop_startup = "xterm";   // xvfb: what each desktop starts with (sh -c)
  desktop_sandbox_options sandbox;         // xvfb: how each desktop is confined
  settle_options settle;                   // xvfb, cua: waiting for the screen after an action
  std::vector<std::string> cua_urls;       // cua: one "[CONTAINER=]URL" per computer
  std::string cua_api_key;                 // cua: CUA_API_KEY (never logged)
  std::string cua_ca_file;                 // cua: extra trusted certificates (PEM)
  double cua_timeout_s = 20;               // cua: bound on each command
  std::string cua_reset_command;           // cua: run on the computer between sessions
  double cua_reset_timeout_s = 20;         // cua: bound on the reset command
};

} // namespace cua
