#include "actors/computer_actor.hpp"

#include <functional>
#include <string_view>

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

#include "computers/image_budget.hpp"
#include "computers/jpeg_codec.hpp"
#include "computers/png_codec.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

computer_state::~computer_state() {
  if (backend)
    backend->destroy();
}

namespace {

image_size screen_of(const computer_info& info) {
  return {info.screen_width, info.screen_height};
}

image_size image_of(const computer_info& info) {
  return {info.image_width, info.image_height};
}

caf::error check_in_image(const computer_info& info, const char* what, int32_t x, int32_t y) {
  if (x < info.image_width && y < info.image_height)
    return caf::none;
  return make_error(errc::invalid_action,
                    std::string(what) + " (" + std::to_string(x) + ", " + std::to_string(y)
                      + ") is outside the screenshot, which is " + std::to_string(info.image_width)
                      + "x" + std::to_string(info.image_height));
}

caf::expected<computer_info> start_backend(computer_state& st) {
  auto info = st.backend->start();
  if (!info)
    return info.error();
  auto fitted = fit_to_budget(screen_of(*info));
  info->image_width = fitted.width;
  info->image_height = fitted.height;
  st.info = *info;
  st.started = true;
  return info;
}

// Clients drop results over 1 MB (Claude Desktop does): a screenshot stays below that.
constexpr size_t max_screenshot_bytes = 1'000'000;

caf::error capture(computer_state& st) {
  st.captured = false;
  if (auto err = st.backend->capture_into(st.frame))
    return err;
  st.captured = true;
  st.numbered = false;
  return caf::none;
}

// The captured screen in image space.
const rgb_image& in_image_space(computer_state& st) {
  if (st.frame.width == st.info.image_width && st.frame.height == st.info.image_height)
    return st.frame;
  downscale_into(st.frame, image_of(st.info), st.scaled);
  return st.scaled;
}

caf::expected<encoded_image> take_screenshot(computer_state& st, image_format format) {
  if (auto err = capture(st))
    return err;
  const auto& scaled = in_image_space(st);
  encoded_image out;
  out.width = scaled.width;
  out.height = scaled.height;
  out.screen_width = st.info.screen_width;
  out.screen_height = st.info.screen_height;
  if (format == image_format::png) {
    auto png = encode_png(scaled);
    if (!png)
      return png.error();
    if (png->size() <= max_screenshot_bytes) {
      out.mime_type = "image/png";
      out.bytes = std::move(*png);
      return out;
    }
    // A photo-like screen makes PNGs of megabytes: JPEG keeps it within what clients accept.
  }
  for (int quality : {75, 50, 30}) {
    auto jpeg = encode_jpeg(scaled, quality);
    if (!jpeg)
      return jpeg.error();
    out.mime_type = "image/jpeg";
    out.bytes = std::move(*jpeg);
    if (out.bytes.size() <= max_screenshot_bytes)
      break;
  }
  return out;
}

// The live view's JPEGs trade a little sharpness for a third of a PNG's size and encode time.
constexpr int frame_quality = 70;

// The screen's picture unless it is still picture `known`. A screen the backend knows to be still
// is not captured again; the last capture, a screenshot's included, is shared.
caf::expected<screen_frame> take_frame(computer_state& st, uint64_t known) {
  if (!st.captured || st.backend->changed_since_capture())
    if (auto err = capture(st))
      return err;
  if (!st.numbered) {
    auto hash = std::hash<std::string_view>{}(std::string_view{
      reinterpret_cast<const char*>(st.frame.pixels.data()), st.frame.pixels.size()});
    if (st.picture == 0 || hash != st.picture_hash) {
      ++st.picture;
      st.picture_hash = hash;
    }
    st.numbered = true;
  }
  screen_frame out;
  out.change = st.picture;
  if (known == st.picture) {
    out.unchanged = true;
    return out;
  }
  const auto& scaled = in_image_space(st);
  auto jpeg = encode_jpeg(scaled, frame_quality);
  if (!jpeg)
    return jpeg.error();
  out.image.mime_type = "image/jpeg";
  out.image.bytes = std::move(*jpeg);
  out.image.width = scaled.width;
  out.image.height = scaled.height;
  out.image.screen_width = st.info.screen_width;
  out.image.screen_height = st.info.screen_height;
  return out;
}

caf::expected<action_outcome> perform_action(computer_state& st, computer_action action) {
  if (action.kind == action_kind::wait || action.kind == action_kind::screenshot)
    return make_error(errc::invalid_action, "wait and screenshot are not computer actions");
  if (action.has_coordinate) {
    if (auto err = check_in_image(st.info, "coordinate", action.x, action.y))
      return err;
    image_to_screen(image_of(st.info), screen_of(st.info), action.x, action.y);
  }
  if (action.has_start) {
    if (auto err = check_in_image(st.info, "start_coordinate", action.start_x, action.start_y))
      return err;
    image_to_screen(image_of(st.info), screen_of(st.info), action.start_x, action.start_y);
  }
  auto outcome = st.backend->perform(action);
  if (!outcome)
    return outcome.error();
  screen_to_image(image_of(st.info), screen_of(st.info), outcome->cursor_x, outcome->cursor_y);
  if (action.kind == action_kind::cursor_position) {
    outcome->text = "X=" + std::to_string(outcome->cursor_x) + ", Y="
                    + std::to_string(outcome->cursor_y);
    return outcome;
  }
  // Whoever asked for the action looks at the screen next: it must show what the action did.
  auto settled = st.backend->settle();
  outcome->settled = settled.settled;
  outcome->settle_ms = settled.waited_ms;
  return outcome;
}

// A computer that failed (its X server died, say) is of no use to anyone: the actor answers with the
// error and ends, so that the session learns why and the pool, which monitors it, replaces it.
caf::error end_if_broken(computer_api::stateful_pointer<computer_state> self, caf::error err) {
  if (err == errc::computer_failed)
    self->quit(err);
  return err;
}

} // namespace

computer_api::behavior_type computer_actor(computer_api::stateful_pointer<computer_state> self,
                                           std::shared_ptr<computer> backend) {
  log_unexpected_messages(self);
  self->state.backend = std::move(backend);
  auto not_started = [] {
    return make_error(errc::computer_failed, "the computer has not been started");
  };
  return {
    [=](start_atom) -> caf::result<computer_info> {
      auto info = start_backend(self->state);
      if (!info)
        return info.error();
      return *info;
    },
    [=](screenshot_atom, image_format format) -> caf::result<encoded_image> {
      if (!self->state.started)
        return not_started();
      auto image = take_screenshot(self->state, format);
      if (!image)
        return end_if_broken(self, image.error());
      return std::move(*image);
    },
    [=](frame_atom, uint64_t known) -> caf::result<screen_frame> {
      if (!self->state.started)
        return not_started();
      auto frame = take_frame(self->state, known);
      if (!frame)
        return end_if_broken(self, frame.error());
      return std::move(*frame);
    },
    [=](perform_atom, const computer_action& action) -> caf::result<action_outcome> {
      if (!self->state.started)
        return not_started();
      auto outcome = perform_action(self->state, action);
      if (!outcome)
        return end_if_broken(self, outcome.error());
      return *outcome;
    },
    [=](reset_atom) -> caf::result<computer_info> {
      if (!self->state.started)
        return not_started();
      self->state.captured = false; // what the next session sees is captured afresh
      if (auto err = self->state.backend->reset())
        return err;
      return self->state.info;
    },
    [=](stop_atom) {
      self->state.backend->destroy();
      self->quit();
    },
  };
}

spawned_computer spawn_computer(caf::actor_system& sys, std::shared_ptr<computer> backend,
                                bool detached) {
  auto interrupt = [backend] { backend->interrupt(); };
  if (detached)
    return {sys.spawn<caf::detached>(computer_actor, std::move(backend)), std::move(interrupt)};
  return {sys.spawn(computer_actor, std::move(backend)), std::move(interrupt)};
}

} // namespace cua
