#include "computers/cua_computer.hpp"

#include <cmath>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "computers/cua_channel.hpp"
#include "computers/cua_endpoint.hpp"
#include "computers/cua_key_names.hpp"
#include "computers/png_codec.hpp"
#include "messages/errors.hpp"
#include "util/base64.hpp"

namespace cua {

namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

milliseconds to_ms(double seconds) {
  return milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

// A failure while bringing a computer up means it cannot be handed out, whatever the cause.
caf::error as_start_failure(const caf::error& err) {
  if (err == errc::computer_failed)
    return err;
  return make_error(errc::computer_failed, describe(err));
}

class cua_computer final : public computer {
public:
  cua_computer(std::string id, cua_endpoint endpoint, cua_channel_settings settings,
               std::string reset_command, milliseconds reset_timeout, settle_options settle)
    : id_(std::move(id)),
      channel_(std::move(endpoint), std::move(settings)),
      reset_command_(std::move(reset_command)),
      reset_timeout_(reset_timeout),
      settle_(settle) {
    // nop
  }

  caf::expected<computer_info> start() override {
    if (auto err = channel_.check_status())
      return err;
    if (auto err = run_reset_command())
      return as_start_failure(err);
    auto reply = channel_.call("get_screen_size", json::object(), resend_policy::safe);
    if (!reply)
      return as_start_failure(reply.error());
    auto size = reply->find("size");
    if (size == reply->end() || !size->is_object() || !(*size)["width"].is_number_integer()
        || !(*size)["height"].is_number_integer())
      return failed("answered get_screen_size without size.width and size.height");
    auto width = (*size)["width"].get<int64_t>();
    auto height = (*size)["height"].get<int64_t>();
    if (width < 1 || height < 1 || width > max_decoded_side || height > max_decoded_side)
      return failed("reported a screen of " + std::to_string(width) + "x" + std::to_string(height));
    computer_info info;
    info.id = id_;
    info.backend = "cua";
    info.screen_width = static_cast<int32_t>(width);
    info.screen_height = static_cast<int32_t>(height);
    spdlog::info("computer {} is {} ({}x{}{})", id_, channel_.endpoint().url, width, height,
                 channel_.on_http_fallback() ? ", over HTTP" : "");
    return info;
  }

  caf::error capture_into(rgb_image& frame) override {
    auto reply = channel_.call("screenshot", json{{"format", "png"}}, resend_policy::safe);
    if (!reply)
      return reply.error();
    auto data = reply->find("image_data");
    if (data == reply->end() || !data->is_string())
      return failed("answered screenshot without image_data");
    auto bytes = base64_decode(data->get<std::string>());
    if (!bytes)
      return failed("answered screenshot with image_data that is not base64");
    auto image = decode_png(*bytes);
    if (!image)
      return failed("answered screenshot with an image we cannot read: " + describe(image.error()));
    frame = std::move(*image);
    return caf::none;
  }

  caf::expected<action_outcome> perform(const computer_action& action) override {
    action_outcome out;
    caf::error err;
    switch (action.kind) {
      case action_kind::key: {
        auto keys = to_cua_key_names(action.text);
        if (!keys)
          return keys.error();
        if (keys->size() == 1)
          err = act("press_key", {{"key", keys->front()}});
        else
          err = act("hotkey", {{"keys", *keys}});
        break;
      }
      case action_kind::type:
        err = act("type_text", {{"text", action.text}});
        break;
      case action_kind::mouse_move:
        err = move_to(action.x, action.y);
        break;
      case action_kind::left_click:
      case action_kind::right_click:
      case action_kind::double_click:
      case action_kind::triple_click:
      case action_kind::middle_click:
        err = with_modifiers(action.text, [&] { return click(action); });
        break;
      case action_kind::left_click_drag:
        if (err = move_to(action.start_x, action.start_y); !err)
          err = act("drag_to",
                    {{"x", action.x}, {"y", action.y}, {"button", "left"}, {"duration", 0.5}});
        break;
      case action_kind::left_mouse_down:
      case action_kind::left_mouse_up:
        err = act(action.kind == action_kind::left_mouse_down ? "mouse_down" : "mouse_up",
                  at(action, {{"button", "left"}}));
        break;
      case action_kind::scroll:
        err = with_modifiers(action.text, [&] { return scroll(action); });
        break;
      case action_kind::hold_key:
        err = hold(action.text, action.duration_s);
        break;
      case action_kind::cursor_position: {
        auto reply = channel_.call("get_cursor_position", json::object(), resend_policy::safe);
        if (!reply)
          return reply.error();
        auto position = reply->find("position");
        if (position == reply->end() || !position->is_object()
            || !(*position)["x"].is_number() || !(*position)["y"].is_number())
          return failed("answered get_cursor_position without position.x and position.y");
        out.cursor_x = static_cast<int32_t>((*position)["x"].get<double>());
        out.cursor_y = static_cast<int32_t>((*position)["y"].get<double>());
        break;
      }
      case action_kind::wait:
      case action_kind::screenshot:
        return make_error(errc::invalid_action, "wait and screenshot are not computer actions");
    }
    if (err)
      return err;
    return out;
  }

  // A computer-server tells nothing of screen changes: successive screenshots a quiet window
  // apart, alike, mean settled (a static screen costs the window and two screenshots).
  settle_report settle() override {
    using clock = settle_watch::clock;
    settle_watch watch(settle_, clock::now());
    auto& previous = settle_frames_[0];
    auto& current = settle_frames_[1];
    bool have_previous = !settle_.fixed && watch.remaining(clock::now())
                         && !capture_into(previous);
    while (auto wait = watch.remaining(clock::now())) {
      std::this_thread::sleep_for(settle_.fixed ? *wait : std::min(*wait, settle_.quiet));
      if (!have_previous)
        continue;
      if (capture_into(current))
        break; // the screenshot that follows reports what is wrong
      if (current.width != previous.width || current.height != previous.height
          || current.pixels != previous.pixels)
        watch.changed(clock::now());
      std::swap(previous, current);
    }
    return watch.report(clock::now());
  }

  caf::error reset() override {
    // The command proves the computer alive too; without one, /status does.
    if (!reset_command_.empty())
      return run_reset_command();
    return channel_.check_status();
  }

  void destroy() override {
    channel_.disconnect();
  }

private:
  caf::error failed(const std::string& what) const {
    return channel_.failure(what);
  }

  caf::error act(const std::string& command, json params) {
    auto reply = channel_.call(command, params,
                               command == "move_cursor" ? resend_policy::safe : resend_policy::never);
    return reply ? caf::none : reply.error();
  }

  static json at(const computer_action& action, json params) {
    if (action.has_coordinate) {
      params["x"] = action.x;
      params["y"] = action.y;
    }
    return params;
  }

  caf::error move_to(int32_t x, int32_t y) {
    return act("move_cursor", {{"x", x}, {"y", y}});
  }

  caf::error click(const computer_action& action) {
    switch (action.kind) {
      case action_kind::right_click:
        return act("right_click", at(action, json::object()));
      case action_kind::double_click:
        return act("double_click", at(action, json::object()));
      case action_kind::middle_click:
        // The server has no middle_click: a press and a release of the middle button.
        if (auto err = act("mouse_down", at(action, {{"button", "middle"}})))
          return err;
        return act("mouse_up", at(action, {{"button", "middle"}}));
      case action_kind::triple_click:
        // Nor a triple click: three clicks in quick succession (well inside a double-click time).
        for (int i = 0; i < 3; ++i)
          if (auto err = act("left_click", at(action, json::object())))
            return err;
        return caf::none;
      default:
        return act("left_click", at(action, json::object()));
    }
  }

  caf::error scroll(const computer_action& action) {
    if (action.has_coordinate)
      if (auto err = move_to(action.x, action.y))
        return err;
    auto amount = action.scroll_amount;
    switch (action.direction) {
      case scroll_direction::up:
        return act("scroll_up", {{"clicks", amount}});
      case scroll_direction::down:
        return act("scroll_down", {{"clicks", amount}});
      case scroll_direction::left:
        return act("scroll", {{"x", -amount}, {"y", 0}});
      case scroll_direction::right:
        return act("scroll", {{"x", amount}, {"y", 0}});
    }
    return make_error(errc::invalid_action, "unknown scroll direction");
  }

  // Holds the keys of `chord` (if any) down around `inner`, and always lets them go again.
  template <class Inner>
  caf::error with_modifiers(const std::string& chord, Inner inner) {
    if (chord.empty())
      return inner();
    auto keys = to_cua_key_names(chord);
    if (!keys)
      return keys.error();
    size_t pressed = 0;
    caf::error err;
    for (; pressed < keys->size() && !err; ++pressed)
      err = act("key_down", {{"key", (*keys)[pressed]}});
    if (!err)
      err = inner();
    for (auto i = pressed; i-- > 0;)
      if (auto up = act("key_up", {{"key", (*keys)[i]}}); up && !err)
        err = up;
    return err;
  }

  caf::error hold(const std::string& chord, double seconds) {
    return with_modifiers(chord, [&] {
      std::this_thread::sleep_for(to_ms(seconds));
      return caf::error{};
    });
  }

  caf::error run_reset_command() {
    if (reset_command_.empty())
      return caf::none;
    auto seconds = std::chrono::duration<double>(reset_timeout_).count();
    auto reply = channel_.call("run_command", {{"command", reset_command_}, {"timeout", seconds}},
                               resend_policy::never, reset_timeout_ + milliseconds(2'000));
    if (!reply)
      return reply.error();
    auto code = reply->value("return_code", 0);
    if (code != 0)
      return failed("failed its reset command (--cua-reset-command) with exit code "
                    + std::to_string(code) + ": " + reply->value("stderr", "").substr(0, 300));
    return caf::none;
  }

  std::string id_;
  cua_channel channel_;
  std::string reset_command_;
  milliseconds reset_timeout_;
  settle_options settle_;
  rgb_image settle_frames_[2]; // reused between settles
};

} // namespace

std::vector<std::string> cua_computer_ids(const backend_options& options) {
  std::vector<std::string> out;
  for (size_t i = 1; i <= options.cua_urls.size(); ++i)
    out.push_back("cua-" + std::to_string(i));
  return out;
}

std::unique_ptr<computer> make_cua_computer(const std::string& id, const backend_options& options) {
  // The id says which URL: "cua-N" is the Nth (checked when the flags were read).
  size_t index = 0;
  if (id.rfind("cua-", 0) == 0)
    index = static_cast<size_t>(std::strtoul(id.c_str() + 4, nullptr, 10));
  cua_endpoint endpoint;
  if (index >= 1 && index <= options.cua_urls.size())
    if (auto parsed = parse_cua_endpoint(options.cua_urls[index - 1]))
      endpoint = std::move(*parsed);
  cua_channel_settings settings;
  settings.api_key = options.cua_api_key;
  settings.ca_file = options.cua_ca_file;
  settings.command_timeout = to_ms(options.cua_timeout_s);
  settings.connect_timeout = std::min(settings.command_timeout, milliseconds(5'000));
  return std::make_unique<cua_computer>(id, std::move(endpoint), std::move(settings),
                                        options.cua_reset_command,
                                        to_ms(options.cua_reset_timeout_s), options.settle);
}

} // namespace cua
