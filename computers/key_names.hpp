#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace cua {

/// An X keysym (KeySym without pulling in Xlib here).
using keysym_t = unsigned long;

/// Returns the keysyms of a key chord in xdotool style, modifiers first: "ctrl+shift+t",
/// "Return", "Page_Down", "super", "alt+F4", "a", "é". Common aliases are understood (ctrl,
/// control, shift, alt, super, win, cmd, meta, enter, esc, del, pgup, pgdn, ...), as are Cua's
/// pynput names (page_down, esc, cmd). An unknown name is an invalid_action error naming it.
caf::expected<std::vector<keysym_t>> parse_key_chord(const std::string& chord);

/// Returns the Unicode code points of UTF-8 `text`, or an invalid_action error if it is not UTF-8.
caf::expected<std::vector<uint32_t>> utf8_code_points(const std::string& text);

/// Returns the keysym that types `code_point` ("\n" is Return, "\t" is Tab).
keysym_t keysym_for_code_point(uint32_t code_point);

} // namespace cua
