#pragma once

#include <string>

#include <caf/error.hpp>

namespace cua {

/// A display number on this host that names a sandboxed desktop's X socket, so that Xlib reaches
/// it as ":N": the lock file /tmp/.XN-lock (as X servers write them, with the server's pid, so
/// that other X servers pass the number by and a crashed server's numbers are taken back) and the
/// link /tmp/.X11-unix/XN to the socket in the desktop's own directory. The sandbox never sees
/// either: it has a /tmp of its own.
class x_display_reservation {
public:
  x_display_reservation() = default;
  ~x_display_reservation();

  x_display_reservation(const x_display_reservation&) = delete;
  x_display_reservation& operator=(const x_display_reservation&) = delete;

  /// Takes the lowest free number from 10 on and links it to `socket_dir`/XN.
  caf::error reserve(const std::string& socket_dir);

  /// Returns the number, or -1.
  int number() const { return number_; }

  /// Gives the number back. Safe to call twice.
  void release();

  /// Removes the links (and their locks) that servers killed before they could give their
  /// numbers back left: links into `desktop_dir_prefix` whose lock's writer no longer runs.
  /// Other X servers' sockets and locks are never touched.
  static void reclaim_abandoned(const std::string& desktop_dir_prefix);

private:
  int number_ = -1;
};

} // namespace cua
