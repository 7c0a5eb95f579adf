#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <sys/types.h>

#include "computers/desktop_limits.hpp"
#include "computers/desktop_sandbox.hpp"
#include "computers/x_display_reservation.hpp"

namespace cua {

/// What an X desktop starts with.
struct x_desktop_options {
  int32_t width = 1280;
  int32_t height = 800;
  std::string window_manager = "matchbox-window-manager";
  std::string startup = "xterm"; // run through /bin/sh -c; empty: none
  int start_timeout_ms = 10'000;
  desktop_sandbox_options sandbox;
};

/// A private X desktop: an Xvfb display with no TCP listener and its own authority cookie, a
/// window manager and a startup program. Sandboxed (the default), all of them run in one bwrap
/// sandbox as an unprivileged user: their own PID, IPC, UTS, mount and (unless `host`) network
/// namespaces, the system read-only, a private HOME and /tmp, only this display's socket and
/// cookie, and the desktop's limits (see desktop_sandbox_options). The server reaches the display
/// as ":N" through a host link to the socket (x_display_reservation). Unsandboxed, they run as the
/// server's user in a process group of their own with a temporary HOME and TMPDIR. Either way
/// their environment holds nothing of the server's but PATH, the locale and TERM. Blocking; used
/// from a computer's own thread.
class x_desktop {
public:
  x_desktop() = default;
  ~x_desktop();

  x_desktop(const x_desktop&) = delete;
  x_desktop& operator=(const x_desktop&) = delete;

  /// Starts Xvfb and waits until it accepts connections (it tells us through -displayfd; no
  /// sleeping), then the window manager and the startup program (after the isolated network is
  /// up, so that they never see the sandbox without it).
  caf::error start(const x_desktop_options& options);

  /// Returns the display name, e.g. ":12".
  const std::string& display() const { return display_; }

  /// Returns the path of the authority file clients of this display need.
  const std::string& authority_file() const { return authority_; }

  /// Returns the 16-byte MIT-MAGIC-COOKIE-1 of this display.
  const std::string& cookie() const { return cookie_; }

  /// Returns whether the desktop still runs (reaps it if it ended).
  bool alive();

  /// Returns why the desktop ended, beyond "it stopped" (e.g. its memory limit), or "".
  std::string end_cause() const;

  /// Returns the CPU time all of the desktop's processes have used: from its cgroup where it has
  /// one (nanoseconds), else summed over its processes (clock ticks, 10 ms apart).
  int64_t cpu_time_ns() const;

  /// Returns the process group of what this desktop started on the host (the sandbox and its
  /// network helper); ending it ends every process of the desktop.
  pid_t process_group() const { return leader_pid_; }

  /// Kills every process of the desktop at once (SIGKILL to its group), from any thread: a call
  /// blocked on one of them returns. Its reaping is left to stop().
  void kill_processes();

  /// Kills the whole desktop (TERM, then KILL after a short grace) and removes its files, its
  /// cgroups and its display link.
  void destroy();

private:
  caf::error start_network(int info_fd, int timeout_ms);

  x_desktop_options options_;
  std::string dir_;
  std::string authority_;
  std::string cookie_;
  std::string display_;
  std::atomic<pid_t> leader_pid_{-1}; // read by kill_processes() from another thread; sh (unsandboxed) or bwrap: the group leader
  pid_t sandbox_pid_ = -1; // the sandbox's first process, as the host sees it
  int errors_fd_ = -1;     // what bwrap says on stderr
  x_display_reservation reservation_;
  desktop_limits limits_;
};

} // namespace cua
