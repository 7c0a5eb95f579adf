#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <sys/types.h>

namespace cua {

/// What an X desktop starts with.
struct x_desktop_options {
  int32_t width = 1280;
  int32_t height = 800;
  std::string window_manager = "matchbox-window-manager";
  std::string startup = "xterm"; // run through /bin/sh -c; empty: none
  int start_timeout_ms = 10'000;
};

/// A private X desktop: an Xvfb display with its own display number, no TCP listener and its own
/// authority cookie, a window manager and a startup program, all in one process group of their
/// own, with a temporary HOME and TMPDIR. Blocking; used from a computer's own thread.
class x_desktop {
public:
  x_desktop() = default;
  ~x_desktop();

  x_desktop(const x_desktop&) = delete;
  x_desktop& operator=(const x_desktop&) = delete;

  /// Starts Xvfb and waits until it accepts connections (it tells us through -displayfd; no
  /// sleeping), then the window manager and the startup program.
  caf::error start(const x_desktop_options& options);

  /// Returns the display name, e.g. ":12".
  const std::string& display() const { return display_; }

  /// Returns the path of the authority file clients of this display need.
  const std::string& authority_file() const { return authority_; }

  /// Returns the 16-byte MIT-MAGIC-COOKIE-1 of this display.
  const std::string& cookie() const { return cookie_; }

  /// Returns whether Xvfb is still running (reaps it if it ended).
  bool alive();

  /// Returns the process group of everything this desktop started.
  pid_t process_group() const { return xvfb_pid_; }

  /// Kills the whole process group (TERM, then KILL after a short grace) and removes the files.
  void destroy();

private:
  pid_t spawn(const std::vector<std::string>& argv, bool own_group);

  std::string dir_;
  std::string authority_;
  std::string cookie_;
  std::string display_;
  pid_t xvfb_pid_ = -1;
  std::vector<pid_t> children_;
};

} // namespace cua
