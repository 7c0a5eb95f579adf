#pragma once

#include <memory>
#include <string>
#include <utility>

#include <caf/error.hpp>

#include "computers/backend_options.hpp"
#include "computers/computer.hpp"

namespace cua {

/// Returns a computer that is a private X desktop (see x_desktop): captured through MIT-SHM,
/// driven through XTest. Its reset replaces it: nothing of one session reaches the next.
std::unique_ptr<computer> make_xvfb_computer(const std::string& id, const backend_options& options);

/// Checks at start that this host can make the desktops `options` asks for (the sandbox: see
/// check_desktop_sandbox); warns when the sandbox is off.
caf::error check_xvfb_host(const backend_options& options);

/// Says what confines each desktop under `options`, and whether the sandbox is off.
std::pair<std::string, bool> xvfb_isolation(const backend_options& options);

class x_desktop;

/// Returns the desktop behind an xvfb computer (for tests that connect X clients of their own), or
/// nullptr for other computers.
const x_desktop* desktop_of(const computer& c);

} // namespace cua
