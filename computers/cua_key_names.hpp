#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace cua {

/// Returns the keys of a chord in xdotool style ("ctrl+shift+t", "Return", "Page_Down", "super")
/// as Cua's computer-server names them (pynput names: "ctrl", "shift", "t", "enter", "page_down",
/// "cmd"), in order. A single character stays itself. An unknown name is an invalid_action error
/// naming it.
caf::expected<std::vector<std::string>> to_cua_key_names(const std::string& chord);

} // namespace cua
