// The xvfb backend against real Xvfb displays, which these tests start and stop themselves.

#include "computers/xvfb_computer.hpp"

#include <csignal>
#include <thread>
#include <unistd.h>

#include <X11/keysym.h>
#include <gtest/gtest.h>

#include "computers/x_connection.hpp"
#include "computers/x_desktop.hpp"
#include "messages/errors.hpp"
#include "tests/support/computer_actions.hpp"
#include "tests/xvfb/x_client.hpp"

using namespace cua;
using namespace std::chrono_literals;

namespace {

using test::action_at;

backend_options bare(int w = 640, int h = 480) {
  backend_options o;
  o.backend = "xvfb";
  o.screen_width = w;
  o.screen_height = h;
  o.window_manager = ""; // no window manager or terminal: the tests own every window
  o.desktop_startup = "";
  return o;
}

std::unique_ptr<computer> started(backend_options options = bare()) {
  auto c = make_xvfb_computer("xvfb-test", options);
  auto info = c->start();
  EXPECT_TRUE(info) << describe(info.error());
  return c;
}

std::unique_ptr<test::x_client> client_on(computer& c, int x, int y, int w, int h, unsigned long rgb) {
  const auto* desktop = desktop_of(c);
  return std::make_unique<test::x_client>(desktop->display(), desktop->cookie(), x, y, w, h, rgb);
}


computer_action with_text(action_kind kind, std::string text) {
  computer_action a;
  a.kind = kind;
  a.text = std::move(text);
  return a;
}

bool process_group_alive(pid_t group) {
  return kill(-group, 0) == 0;
}

} // namespace

TEST(xvfb_computer, screenshots_show_what_is_on_the_display) {
  auto c = started();
  auto window = client_on(*c, 100, 50, 200, 100, 0xff8000);
  ASSERT_TRUE(window->ok());
  auto image = c->capture();
  ASSERT_TRUE(image) << describe(image.error());
  ASSERT_EQ(image->width, 640);
  ASSERT_EQ(image->height, 480);
  const auto* inside = image->row(100) + 200 * 3;
  EXPECT_EQ(inside[0], 0xff);
  EXPECT_EQ(inside[1], 0x80);
  EXPECT_EQ(inside[2], 0x00);
  const auto* outside = image->row(300) + 500 * 3;
  EXPECT_NE(outside[0], 0xff); // the root window, not our colour
}

TEST(xvfb_computer, clicks_and_scrolls_land_where_they_are_aimed) {
  auto c = started();
  auto window = client_on(*c, 100, 100, 200, 200, 0x00ff00);
  ASSERT_TRUE(window->ok());
  ASSERT_TRUE(c->perform(action_at(action_kind::left_click, 150, 160)));
  ASSERT_TRUE(c->perform(action_at(action_kind::right_click, 120, 110)));
  auto scroll = action_at(action_kind::scroll, 150, 150);
  scroll.direction = scroll_direction::down;
  scroll.scroll_amount = 2;
  ASSERT_TRUE(c->perform(scroll));
  auto events = window->events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].detail, 1u);
  EXPECT_EQ(events[0].x, 50);
  EXPECT_EQ(events[0].y, 60);
  EXPECT_EQ(events[1].detail, 3u);
  EXPECT_EQ(events[2].detail, 5u);
  EXPECT_EQ(events[3].detail, 5u);
  auto outcome = c->perform(action_at(action_kind::mouse_move, 10, 20));
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->cursor_x, 10);
  EXPECT_EQ(outcome->cursor_y, 20);
}

TEST(xvfb_computer, key_chords_and_unicode_text_reach_the_focused_window) {
  auto c = started();
  auto window = client_on(*c, 0, 0, 300, 300, 0x0000ff);
  ASSERT_TRUE(window->ok());
  ASSERT_TRUE(c->perform(with_text(action_kind::key, "ctrl+shift+t")));
  ASSERT_TRUE(c->perform(with_text(action_kind::key, "Return")));
  ASSERT_TRUE(c->perform(with_text(action_kind::type, "aZ é€✓")));
  auto events = window->events();
  std::vector<unsigned int> keys;
  for (const auto& e : events)
    keys.push_back(e.detail);
  // "Z" is typed with Shift, which the window sees as a key of its own.
  std::vector<unsigned int> expected{XK_Control_L, XK_Shift_L, XK_T,       XK_Return,
                                     XK_a,         XK_Shift_L, XK_Z,       XK_space,
                                     XK_eacute,    0x010020ac /* € */, 0x01002713 /* ✓ */};
  ASSERT_EQ(keys.size(), expected.size()) << ::testing::PrintToString(keys);
  // The chord's "t" is read with Shift held, hence "T".
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(keys[i], expected[i]) << "key " << i;
}

TEST(xvfb_computer, bad_keys_are_clear_errors) {
  auto c = started();
  auto bad = c->perform(with_text(action_kind::key, "ctrl+nosuchkey"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), errc::invalid_action);
  EXPECT_NE(describe(bad.error()).find("nosuchkey"), std::string::npos);
  auto not_utf8 = c->perform(with_text(action_kind::type, "\xff"));
  EXPECT_FALSE(not_utf8);
}

TEST(xvfb_computer, two_computers_never_see_each_other) {
  auto a = started();
  auto b = started();
  ASSERT_NE(desktop_of(*a)->display(), desktop_of(*b)->display());
  auto window_a = client_on(*a, 0, 0, 640, 480, 0xff0000);
  auto window_b = client_on(*b, 0, 0, 640, 480, 0x0000ff);
  ASSERT_TRUE(a->perform(action_at(action_kind::left_click, 10, 10)));
  EXPECT_EQ(window_a->events().size(), 1u);
  EXPECT_TRUE(window_b->events(200ms).empty());
  EXPECT_EQ(a->capture()->pixels[0], 0xff);
  EXPECT_EQ(b->capture()->pixels[0], 0x00);
}

TEST(xvfb_computer, refuses_clients_without_the_cookie) {
  auto c = started();
  const auto* desktop = desktop_of(*c);
  auto* intruder = open_x_display(desktop->display(), std::string(16, 'x'));
  EXPECT_EQ(intruder, nullptr);
  if (intruder != nullptr)
    XCloseDisplay(intruder);
  auto* friend_ = open_x_display(desktop->display(), desktop->cookie());
  EXPECT_NE(friend_, nullptr);
  if (friend_ != nullptr)
    XCloseDisplay(friend_);
}

TEST(xvfb_computer, a_killed_x_server_is_reported_not_fatal) {
  auto c = started();
  auto group = desktop_of(*c)->process_group();
  kill(group, SIGKILL);
  std::this_thread::sleep_for(100ms);
  auto image = c->capture();
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error(), errc::computer_failed);
  EXPECT_NE(describe(image.error()).find("stopped"), std::string::npos);
  EXPECT_FALSE(c->perform(action_at(action_kind::left_click, 1, 1)));
}

TEST(xvfb_computer, destroy_ends_the_whole_desktop_and_its_files) {
  auto options = bare();
  options.window_manager = "matchbox-window-manager";
  options.desktop_startup = "xterm";
  auto c = started(options);
  auto group = desktop_of(*c)->process_group();
  auto authority = desktop_of(*c)->authority_file();
  ASSERT_TRUE(process_group_alive(group));
  EXPECT_EQ(access(authority.c_str(), F_OK), 0);
  c->destroy();
  EXPECT_FALSE(process_group_alive(group));
  EXPECT_NE(access(authority.c_str(), F_OK), 0);
}

TEST(xvfb_computer, reset_asks_to_be_replaced) {
  auto c = started();
  EXPECT_EQ(c->reset(), errc::not_reusable);
}

TEST(xvfb_computer, double_clicks_drags_and_held_buttons_arrive_as_aimed) {
  auto c = started();
  auto window = client_on(*c, 0, 0, 640, 480, 0x808080);
  ASSERT_TRUE(window->ok());
  ASSERT_TRUE(c->perform(action_at(action_kind::double_click, 30, 40)));
  auto drag = action_at(action_kind::left_click_drag, 300, 200);
  drag.has_start = true;
  drag.start_x = 100;
  drag.start_y = 110;
  auto dragged = c->perform(drag);
  ASSERT_TRUE(dragged);
  EXPECT_EQ(dragged->cursor_x, 300); // the drag ends where it was aimed
  EXPECT_EQ(dragged->cursor_y, 200);
  ASSERT_TRUE(c->perform(action_at(action_kind::left_mouse_down, 7, 8)));
  ASSERT_TRUE(c->perform(action_at(action_kind::left_mouse_up, 9, 10)));
  auto events = window->events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].x, 30);
  EXPECT_EQ(events[1].x, 30); // the second press of the double click
  EXPECT_EQ(events[2].x, 100); // the drag presses where it starts
  EXPECT_EQ(events[2].y, 110);
  EXPECT_EQ(events[3].x, 7);
}

namespace {

// A desktop whose startup program is the settling tests' client (tests/xvfb/settle_client.cpp),
// run inside the desktop's sandbox as any desktop program is.
std::unique_ptr<computer> with_settle_client(const std::string& flags, settle_options settle) {
  auto options = bare();
  auto binary = std::string(CUA_SETTLE_CLIENT);
  options.sandbox.binds.push_back({binary.substr(0, binary.rfind('/')), "/test", true});
  options.desktop_startup = "exec /test/settle_client " + flags;
  options.settle = settle;
  return started(options);
}

uint8_t centre_red(computer& c) {
  auto image = c.capture();
  EXPECT_TRUE(image);
  return image ? image->row(image->height / 2)[image->width / 2 * 3] : 0;
}

settle_options bounded(int bound_ms, int quiet_ms = 60) {
  settle_options settle;
  settle.bound = std::chrono::milliseconds(bound_ms);
  settle.quiet = std::chrono::milliseconds(quiet_ms);
  return settle;
}

} // namespace

TEST(xvfb_settling, the_screenshot_after_an_action_shows_a_drawing_that_comes_later) {
  for (int delay : {50, 200, 800}) {
    SCOPED_TRACE(delay);
    auto c = with_settle_client("--delay-ms " + std::to_string(delay), bounded(1500));
    ASSERT_EQ(centre_red(*c), 0x00) << "the client's window is black before the key";
    ASSERT_TRUE(c->perform(with_text(action_kind::key, "a")));
    auto start = std::chrono::steady_clock::now();
    auto settled = c->settle();
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(settled.settled);
    EXPECT_GE(settled.waited_ms, delay);
    EXPECT_LT(took, std::chrono::milliseconds(1500));
    EXPECT_EQ(centre_red(*c), 0xff) << "the screenshot does not show the drawing";
  }
}

TEST(xvfb_settling, a_screen_that_never_stops_returns_at_the_bound_marked_unsettled) {
  auto c = with_settle_client("--animate", bounded(400));
  ASSERT_TRUE(c->perform(action_at(action_kind::mouse_move, 5, 5)));
  auto settled = c->settle();
  EXPECT_FALSE(settled.settled);
  EXPECT_GE(settled.waited_ms, 400);
  EXPECT_LT(settled.waited_ms, 600);
}

TEST(xvfb_settling, an_action_that_changes_nothing_returns_after_the_quiet_window) {
  auto c = with_settle_client("--delay-ms 0", bounded(1500, 60));
  ASSERT_TRUE(c->perform(action_at(action_kind::mouse_move, 10, 10)));
  auto settled = c->settle();
  EXPECT_TRUE(settled.settled);
  EXPECT_GE(settled.waited_ms, 60);
  EXPECT_LT(settled.waited_ms, 160);
  // A bound of 0 is no waiting at all.
  auto instant = with_settle_client("--delay-ms 0", bounded(0));
  ASSERT_TRUE(instant->perform(action_at(action_kind::mouse_move, 10, 10)));
  EXPECT_EQ(instant->settle().waited_ms, 0);
}

TEST(xvfb_settling, fixed_mode_waits_the_whole_bound) {
  auto settle = bounded(300);
  settle.fixed = true;
  auto c = with_settle_client("--delay-ms 0", settle);
  ASSERT_TRUE(c->perform(action_at(action_kind::mouse_move, 10, 10)));
  auto settled = c->settle();
  EXPECT_GE(settled.waited_ms, 300);
  EXPECT_LT(settled.waited_ms, 400);
}

TEST(xvfb_computer, it_knows_when_its_screen_changed_since_the_last_capture) {
  using namespace std::chrono_literals;
  auto c = started();
  ASSERT_TRUE(c->capture());
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(c->changed_since_capture()); // nothing was drawn: a watched screen costs no capture
  auto window = client_on(*c, 10, 10, 100, 100, 0xff0000);
  ASSERT_TRUE(window->ok());
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    seen = c->changed_since_capture();
    if (!seen)
      std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(seen) << "a new window did not count as a change";
  EXPECT_TRUE(c->changed_since_capture()); // until the next capture
  ASSERT_TRUE(c->capture());
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(c->changed_since_capture());
}

TEST(xvfb_settling, a_change_the_settling_saw_is_a_change_since_the_last_capture) {
  auto c = with_settle_client("--delay-ms 50", bounded(1500));
  ASSERT_EQ(centre_red(*c), 0x00);
  EXPECT_FALSE(c->changed_since_capture());
  ASSERT_TRUE(c->perform(with_text(action_kind::key, "a")));
  EXPECT_TRUE(c->settle().settled);
  EXPECT_TRUE(c->changed_since_capture());
  EXPECT_EQ(centre_red(*c), 0xff);
  EXPECT_FALSE(c->changed_since_capture());
}
