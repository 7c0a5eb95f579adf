#include "computers/sim_computer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "messages/errors.hpp"

namespace cua {

namespace {

/// A mark left on the screen by a click or a keystroke.
struct mark {
  int32_t x;
  int32_t y;
  uint32_t color;
};

uint32_t mix(uint32_t h, uint64_t value) {
  // FNV-1a over the value's bytes: cheap, stable and well spread.
  for (int i = 0; i < 8; ++i) {
    h ^= static_cast<uint8_t>(value >> (i * 8));
    h *= 16777619u;
  }
  return h;
}

class sim_computer final : public computer {
public:
  sim_computer(std::string id, const backend_options& options)
    : id_(std::move(id)),
      width_(options.screen_width),
      height_(options.screen_height),
      latency_(options.sim_latency_ms),
      identity_(static_cast<uint32_t>(std::hash<std::string>{}(id_))) {
    clear();
  }

  caf::expected<computer_info> start() override {
    simulate_latency();
    started_ = true;
    return computer_info{id_, "sim", width_, height_, 0, 0};
  }

  caf::error capture_into(rgb_image& frame) override {
    simulate_latency();
    if (!started_)
      return make_error(errc::computer_failed, "the simulated computer is not running");
    render(frame);
    changed_ = false;
    return caf::none;
  }

  bool changed_since_capture() override { return changed_; }

  caf::expected<action_outcome> perform(const computer_action& action) override {
    simulate_latency();
    if (!started_)
      return make_error(errc::computer_failed, "the simulated computer is not running");
    changed_ = true; // the cursor moves, or the window's colour, or both
    if (action.has_coordinate) {
      cursor_x_ = action.x;
      cursor_y_ = action.y;
    }
    state_ = mix(state_, static_cast<uint64_t>(action.kind) << 32 | static_cast<uint32_t>(action.x));
    state_ = mix(state_, static_cast<uint64_t>(action.y));
    for (auto c : action.text)
      state_ = mix(state_, static_cast<unsigned char>(c));
    state_ = mix(state_, static_cast<uint64_t>(action.scroll_amount));
    switch (action.kind) {
      case action_kind::left_click:
      case action_kind::right_click:
      case action_kind::middle_click:
      case action_kind::double_click:
      case action_kind::triple_click:
      case action_kind::left_click_drag:
      case action_kind::key:
      case action_kind::type:
        add_mark();
        break;
      default:
        break;
    }
    action_outcome outcome;
    outcome.cursor_x = cursor_x_;
    outcome.cursor_y = cursor_y_;
    return outcome;
  }

  caf::error reset() override {
    simulate_latency();
    clear();
    return caf::none;
  }

  void destroy() override { started_ = false; }

private:
  void clear() {
    changed_ = true;
    state_ = 2166136261u;
    cursor_x_ = width_ / 2;
    cursor_y_ = height_ / 2;
    marks_.clear();
  }

  void simulate_latency() const {
    if (latency_ > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(latency_));
  }

  void add_mark() {
    marks_.push_back(mark{cursor_x_, cursor_y_, state_});
    if (marks_.size() > 64)
      marks_.erase(marks_.begin());
  }

  static void fill(rgb_image& img, int32_t x0, int32_t y0, int32_t w, int32_t h, uint32_t color) {
    auto x1 = std::min(img.width, x0 + w);
    auto y1 = std::min(img.height, y0 + h);
    x0 = std::max(0, x0);
    y0 = std::max(0, y0);
    for (auto y = y0; y < y1; ++y) {
      auto* row = img.row(y);
      for (auto x = x0; x < x1; ++x) {
        row[x * 3] = static_cast<uint8_t>(color >> 16);
        row[x * 3 + 1] = static_cast<uint8_t>(color >> 8);
        row[x * 3 + 2] = static_cast<uint8_t>(color);
      }
    }
  }

  // A desktop-like picture: a background, a title bar in the computer's own colour, a window whose
  // colour follows the action history, a mark per click or keystroke, and the cursor.
  void render(rgb_image& img) const {
    img.width = width_;
    img.height = height_;
    img.pixels.resize(static_cast<size_t>(width_) * height_ * 3);
    fill(img, 0, 0, width_, height_, 0x202830);
    fill(img, 0, 0, width_, std::max(8, height_ / 25), identity_ & 0xffffff);
    fill(img, width_ / 8, height_ / 6, width_ * 3 / 4, height_ * 2 / 3, state_ & 0xffffff);
    for (const auto& m : marks_)
      fill(img, m.x - 4, m.y - 4, 9, 9, ~m.color & 0xffffff);
    fill(img, cursor_x_ - 1, cursor_y_ - 8, 3, 17, 0xffffff);
    fill(img, cursor_x_ - 8, cursor_y_ - 1, 17, 3, 0xffffff);
  }

  std::string id_;
  int32_t width_;
  int32_t height_;
  int32_t latency_;
  uint32_t identity_;
  bool started_ = false;
  bool changed_ = true; // since the last capture
  uint32_t state_ = 0;
  int32_t cursor_x_ = 0;
  int32_t cursor_y_ = 0;
  std::vector<mark> marks_;
};

} // namespace

std::unique_ptr<computer> make_sim_computer(const std::string& id, const backend_options& options) {
  return std::make_unique<sim_computer>(id, options);
}

} // namespace cua
