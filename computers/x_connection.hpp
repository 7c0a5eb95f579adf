#pragma once

#include <string>

#include <X11/Xlib.h>

namespace cua {

/// Makes X errors and lost connections land on the computer they concern: Xlib's defaults print
/// and end the whole process. Safe to call many times; acts once.
void install_x_error_handlers();

/// Opens a connection to `display` with its MIT-MAGIC-COOKIE-1 `cookie`; nullptr on failure.
/// Xlib keeps the cookie in process-wide state, so connecting is serialized here.
Display* open_x_display(const std::string& display, const std::string& cookie);

} // namespace cua
