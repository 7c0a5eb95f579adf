#include "computers/cua_key_names.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "computers/key_names.hpp"
#include "messages/errors.hpp"

namespace cua {

namespace {

const std::unordered_map<std::string, std::string>& named_keys() {
  // Lower-case xdotool names and common aliases -> pynput's names.
  static const std::unordered_map<std::string, std::string> table{
    {"return", "enter"}, {"enter", "enter"}, {"kp_enter", "enter"},
    {"escape", "esc"}, {"esc", "esc"},
    {"tab", "tab"}, {"iso_left_tab", "tab"},
    {"backspace", "backspace"},
    {"delete", "delete"}, {"del", "delete"},
    {"insert", "insert"}, {"ins", "insert"},
    {"page_down", "page_down"}, {"pagedown", "page_down"}, {"next", "page_down"}, {"pgdn", "page_down"},
    {"page_up", "page_up"}, {"pageup", "page_up"}, {"prior", "page_up"}, {"pgup", "page_up"},
    {"home", "home"}, {"end", "end"},
    {"up", "up"}, {"down", "down"}, {"left", "left"}, {"right", "right"},
    {"ctrl", "ctrl"}, {"control", "ctrl"}, {"control_l", "ctrl"}, {"control_r", "ctrl"},
    {"ctrl_l", "ctrl"}, {"ctrl_r", "ctrl"},
    {"shift", "shift"}, {"shift_l", "shift"}, {"shift_r", "shift"},
    {"alt", "alt"}, {"alt_l", "alt"}, {"alt_r", "alt"}, {"option", "alt"},
    {"super", "cmd"}, {"super_l", "cmd"}, {"super_r", "cmd"}, {"win", "cmd"}, {"windows", "cmd"},
    {"cmd", "cmd"}, {"command", "cmd"}, {"meta", "cmd"}, {"meta_l", "cmd"}, {"meta_r", "cmd"},
    {"space", "space"},
    {"caps_lock", "caps_lock"}, {"num_lock", "num_lock"}, {"scroll_lock", "scroll_lock"},
    {"print", "print_screen"}, {"menu", "menu"}, {"pause", "pause"},
    {"minus", "-"}, {"plus", "+"}, {"equal", "="}, {"comma", ","}, {"period", "."},
    {"slash", "/"}, {"backslash", "\\"}, {"semicolon", ";"}, {"apostrophe", "'"},
    {"grave", "`"}, {"bracketleft", "["}, {"bracketright", "]"},
  };
  return table;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

caf::expected<std::string> cua_name_of(const std::string& key, const std::string& chord) {
  auto points = utf8_code_points(key);
  if (points && points->size() == 1)
    return key;
  auto name = lower(key);
  const auto& table = named_keys();
  if (auto i = table.find(name); i != table.end())
    return i->second;
  if (name.size() >= 2 && name[0] == 'f'
      && std::all_of(name.begin() + 1, name.end(), [](char c) { return std::isdigit(c); })) {
    auto n = std::stoi(name.substr(1));
    if (n >= 1 && n <= 20)
      return name;
  }
  return make_error(errc::invalid_action,
                    "unknown key \"" + key + "\" in \"" + chord
                      + "\"; use names such as Return, Escape, Tab, BackSpace, Page_Down, ctrl, "
                        "shift, alt, super, F1, or a single character");
}

} // namespace

caf::expected<std::vector<std::string>> to_cua_key_names(const std::string& chord) {
  if (chord.empty())
    return make_error(errc::invalid_action, "the key chord is empty");
  std::vector<std::string> parts;
  size_t from = 0;
  while (from <= chord.size()) {
    auto plus = chord.find('+', from);
    auto part = chord.substr(from, plus == std::string::npos ? std::string::npos : plus - from);
    if (part.empty() && plus != std::string::npos) {
      // "ctrl++" and "+": an empty part before a '+' is the plus key itself.
      parts.push_back("+");
      from = plus + 2;
      continue;
    }
    if (!part.empty())
      parts.push_back(part);
    if (plus == std::string::npos)
      break;
    from = plus + 1;
  }
  std::vector<std::string> out;
  for (const auto& part : parts) {
    auto name = cua_name_of(part, chord);
    if (!name)
      return name.error();
    out.push_back(std::move(*name));
  }
  if (out.empty())
    return make_error(errc::invalid_action, "the key chord \"" + chord + "\" names no key");
  return out;
}

} // namespace cua
