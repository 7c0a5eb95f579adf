#include "computers/key_names.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include <X11/Xlib.h>
#include <X11/keysym.h>

#include "messages/errors.hpp"

namespace cua {

namespace {

// Names people and models use for keys whose X names differ (lower case on the left).
constexpr std::array<std::pair<const char*, const char*>, 40> aliases{{
  {"ctrl", "Control_L"},      {"control", "Control_L"}, {"shift", "Shift_L"},
  {"alt", "Alt_L"},           {"option", "Alt_L"},      {"super", "Super_L"},
  {"win", "Super_L"},         {"windows", "Super_L"},   {"cmd", "Super_L"},
  {"command", "Super_L"},     {"meta", "Meta_L"},       {"enter", "Return"},
  {"return", "Return"},       {"esc", "Escape"},        {"escape", "Escape"},
  {"tab", "Tab"},             {"space", "space"},       {"backspace", "BackSpace"},
  {"del", "Delete"},          {"delete", "Delete"},     {"ins", "Insert"},
  {"insert", "Insert"},       {"home", "Home"},         {"end", "End"},
  {"pgup", "Page_Up"},        {"pageup", "Page_Up"},    {"page_up", "Page_Up"},
  {"pgdn", "Page_Down"},      {"pagedown", "Page_Down"}, {"page_down", "Page_Down"},
  {"up", "Up"},               {"down", "Down"},         {"left", "Left"},
  {"right", "Right"},         {"capslock", "Caps_Lock"}, {"caps_lock", "Caps_Lock"},
  {"menu", "Menu"},           {"print", "Print"},       {"minus", "minus"},
  {"plus", "plus"},
}};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

caf::expected<keysym_t> parse_key(const std::string& name) {
  if (name.empty())
    return make_error(errc::invalid_action, "empty key name in the chord");
  auto points = utf8_code_points(name);
  if (points && points->size() == 1)
    return keysym_for_code_point((*points)[0]);
  auto low = lower(name);
  for (const auto& [alias, x_name] : aliases)
    if (low == alias)
      return XStringToKeysym(x_name);
  if (auto sym = XStringToKeysym(name.c_str()); sym != NoSymbol)
    return sym;
  // Function keys and the like in any case: "f5" -> "F5".
  if (low.size() >= 2 && low[0] == 'f' && std::isdigit(static_cast<unsigned char>(low[1])))
    if (auto sym = XStringToKeysym(("F" + low.substr(1)).c_str()); sym != NoSymbol)
      return sym;
  return make_error(errc::invalid_action, "unknown key \"" + name
                                            + "\"; use X key names such as Return, Page_Down, F5, "
                                              "or ctrl, alt, shift, super, or a single character");
}

} // namespace

caf::expected<std::vector<keysym_t>> parse_key_chord(const std::string& chord) {
  if (chord.empty())
    return make_error(errc::invalid_action, "the key chord is empty");
  std::vector<keysym_t> keys;
  // A chord ending in "+" means the plus key itself ("ctrl++").
  std::string rest = chord;
  while (!rest.empty()) {
    auto plus = rest.find('+', 1);
    auto part = rest.substr(0, plus);
    // Models also send space-separated sequences of single keys; a chord is plus-separated only.
    auto key = parse_key(part);
    if (!key)
      return key.error();
    keys.push_back(*key);
    if (plus == std::string::npos)
      break;
    rest = rest.substr(plus + 1);
    if (rest.empty())
      return make_error(errc::invalid_action, "the key chord \"" + chord + "\" ends with +");
  }
  return keys;
}

caf::expected<std::vector<uint32_t>> utf8_code_points(const std::string& text) {
  std::vector<uint32_t> out;
  size_t i = 0;
  auto bad = [&] {
    return make_error(errc::invalid_action,
                      "the text is not valid UTF-8 (at byte " + std::to_string(i) + ")");
  };
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (extra < 0 || (extra > 0 && i + static_cast<size_t>(extra) >= text.size()))
      return bad();
    uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 0x2)
        return bad();
      cp = (cp << 6) | (next & 0x3f);
    }
    static constexpr uint32_t minimum[] = {0, 0x80, 0x800, 0x10000};
    if (cp < minimum[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return bad();
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

keysym_t keysym_for_code_point(uint32_t code_point) {
  switch (code_point) {
    case '\n':
    case '\r':
      return XK_Return;
    case '\t':
      return XK_Tab;
    case '\b':
      return XK_BackSpace;
    case 0x1b:
      return XK_Escape;
    default:
      break;
  }
  // Latin-1 keysyms equal their code points; everything else uses the Unicode keysym range.
  if ((code_point >= 0x20 && code_point <= 0x7e) || (code_point >= 0xa0 && code_point <= 0xff))
    return code_point;
  return 0x01000000 | code_point;
}

} // namespace cua
