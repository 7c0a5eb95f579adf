#include "computers/cua_computer.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "computers/action_parsing.hpp"
#include "computers/png_codec.hpp"
#include "messages/errors.hpp"
#include "tests/support/computer_actions.hpp"
#include "tests/support/fake_cua_server.hpp"
#include "tests/support/loopback_ports.hpp"

using namespace cua;
using namespace std::chrono_literals;
using json = nlohmann::json;
using test::action_at;
using test::action_with_text;
using test::cua_frame;
using test::fake_cua_server;

namespace {

backend_options options_for(const std::string& url, double timeout_s = 3) {
  backend_options out;
  out.backend = "cua";
  out.cua_urls = {url};
  out.cua_timeout_s = timeout_s;
  return out;
}

std::unique_ptr<computer> started(const backend_options& options) {
  auto machine = make_cua_computer("cua-1", options);
  auto info = machine->start();
  EXPECT_TRUE(info) << (info ? "" : describe(info.error()));
  return machine;
}

} // namespace

TEST(cua_computer, starts_with_a_status_check_and_the_servers_screen_size) {
  fake_cua_server::options o;
  o.screen_width = 1440;
  o.screen_height = 900;
  fake_cua_server fake(o);
  auto machine = make_cua_computer("cua-1", options_for(fake.url()));
  auto info = machine->start();
  ASSERT_TRUE(info) << describe(info.error());
  EXPECT_EQ(info->id, "cua-1");
  EXPECT_EQ(info->backend, "cua");
  EXPECT_EQ(info->screen_width, 1440);
  EXPECT_EQ(info->screen_height, 900);
  EXPECT_EQ(fake.commands(), std::vector<json>{cua_frame("get_screen_size")});
  EXPECT_EQ(fake.received().at(0).transport, "ws");
}

TEST(cua_computer, sends_each_action_as_the_servers_commands_with_their_parameters) {
  fake_cua_server fake;
  auto machine = started(options_for(fake.url()));
  auto expect_frames = [&](computer_action action, std::vector<json> expected) {
    fake.clear_received();
    auto outcome = machine->perform(action);
    ASSERT_TRUE(outcome) << describe(outcome.error());
    EXPECT_EQ(fake.commands(), expected) << cua::describe(action);
  };
  expect_frames(action_with_text(action_kind::key, "ctrl+c"),
                {cua_frame("hotkey", {{"keys", {"ctrl", "c"}}})});
  expect_frames(action_with_text(action_kind::key, "Return"), {cua_frame("press_key", {{"key", "enter"}})});
  expect_frames(action_with_text(action_kind::type, "héllo\nworld"),
                {cua_frame("type_text", {{"text", "héllo\nworld"}})});
  expect_frames(action_at(action_kind::mouse_move, 100, 200),
                {cua_frame("move_cursor", {{"x", 100}, {"y", 200}})});
  expect_frames(action_at(action_kind::left_click, 5, 6), {cua_frame("left_click", {{"x", 5}, {"y", 6}})});
  expect_frames(action_with_text(action_kind::left_click), {cua_frame("left_click")});
  expect_frames(action_at(action_kind::right_click, 7, 8), {cua_frame("right_click", {{"x", 7}, {"y", 8}})});
  expect_frames(action_at(action_kind::double_click, 9, 10),
                {cua_frame("double_click", {{"x", 9}, {"y", 10}})});
  expect_frames(action_at(action_kind::middle_click, 11, 12),
                {cua_frame("mouse_down", {{"x", 11}, {"y", 12}, {"button", "middle"}}),
                 cua_frame("mouse_up", {{"x", 11}, {"y", 12}, {"button", "middle"}})});
  auto click = cua_frame("left_click", {{"x", 13}, {"y", 14}});
  expect_frames(action_at(action_kind::triple_click, 13, 14), {click, click, click});
  auto shift_click = action_at(action_kind::left_click, 15, 16);
  shift_click.text = "shift+ctrl";
  expect_frames(shift_click, {cua_frame("key_down", {{"key", "shift"}}),
                              cua_frame("key_down", {{"key", "ctrl"}}),
                              cua_frame("left_click", {{"x", 15}, {"y", 16}}),
                              cua_frame("key_up", {{"key", "ctrl"}}),
                              cua_frame("key_up", {{"key", "shift"}})});
  auto drag = action_at(action_kind::left_click_drag, 300, 400);
  drag.has_start = true;
  drag.start_x = 1;
  drag.start_y = 2;
  expect_frames(drag, {cua_frame("move_cursor", {{"x", 1}, {"y", 2}}),
                       cua_frame("drag_to", {{"x", 300}, {"y", 400}, {"button", "left"},
                                         {"duration", 0.5}})});
  expect_frames(action_with_text(action_kind::left_mouse_down),
                {cua_frame("mouse_down", {{"button", "left"}})});
  expect_frames(action_at(action_kind::left_mouse_up, 20, 21),
                {cua_frame("mouse_up", {{"x", 20}, {"y", 21}, {"button", "left"}})});
  auto scroll = action_at(action_kind::scroll, 50, 60);
  scroll.direction = scroll_direction::down;
  scroll.scroll_amount = 3;
  expect_frames(scroll, {cua_frame("move_cursor", {{"x", 50}, {"y", 60}}),
                         cua_frame("scroll_down", {{"clicks", 3}})});
  scroll.has_coordinate = false;
  scroll.direction = scroll_direction::up;
  expect_frames(scroll, {cua_frame("scroll_up", {{"clicks", 3}})});
  scroll.direction = scroll_direction::left;
  expect_frames(scroll, {cua_frame("scroll", {{"x", -3}, {"y", 0}})});
  scroll.direction = scroll_direction::right;
  expect_frames(scroll, {cua_frame("scroll", {{"x", 3}, {"y", 0}})});
  auto hold = action_with_text(action_kind::hold_key, "shift");
  hold.duration_s = 0.05;
  expect_frames(hold, {cua_frame("key_down", {{"key", "shift"}}), cua_frame("key_up", {{"key", "shift"}})});
  expect_frames(action_with_text(action_kind::cursor_position), {cua_frame("get_cursor_position")});
}

TEST(cua_computer, reports_the_servers_cursor_position) {
  fake_cua_server fake;
  auto machine = started(options_for(fake.url()));
  ASSERT_TRUE(machine->perform(action_at(action_kind::mouse_move, 123, 45)));
  auto outcome = machine->perform(action_with_text(action_kind::cursor_position));
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->cursor_x, 123);
  EXPECT_EQ(outcome->cursor_y, 45);
}

TEST(cua_computer, decodes_the_servers_screenshot) {
  fake_cua_server::options o;
  o.screen_width = 320;
  o.screen_height = 200;
  fake_cua_server fake(o);
  rgb_image picture;
  picture.width = 320;
  picture.height = 200;
  picture.pixels.assign(320 * 200 * 3, 0);
  for (int32_t y = 0; y < 200; ++y)
    for (int32_t x = 0; x < 320; ++x)
      picture.row(y)[x * 3] = static_cast<uint8_t>(x);
  fake.set_screenshot_png(encode_png(picture).value());
  auto machine = started(options_for(fake.url()));
  auto shot = machine->capture();
  ASSERT_TRUE(shot) << describe(shot.error());
  EXPECT_EQ(shot->width, 320);
  EXPECT_EQ(shot->height, 200);
  EXPECT_EQ(shot->pixels, picture.pixels);
  EXPECT_EQ(fake.commands().back(), cua_frame("screenshot", {{"format", "png"}}));
}

TEST(cua_computer, a_screenshot_that_is_not_an_image_fails_the_computer_clearly) {
  fake_cua_server fake;
  fake.set_screenshot_png({'n', 'o', 'p', 'e'});
  auto machine = started(options_for(fake.url()));
  auto shot = machine->capture();
  ASSERT_FALSE(shot);
  EXPECT_EQ(shot.error(), errc::computer_failed);
  EXPECT_NE(describe(shot.error()).find("cannot read"), std::string::npos);
}

TEST(cua_computer, authenticates_first_on_the_websocket_without_logging_the_key) {
  fake_cua_server::options o;
  o.api_key = "sk-cua-secret-123";
  o.container_name = "box";
  fake_cua_server fake(o);
  auto options = options_for("box=" + fake.url());
  options.cua_api_key = "sk-cua-secret-123";
  auto machine = started(options);
  auto all = fake.received();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[0].frame, cua_frame("authenticate", {{"api_key", "sk-cua-secret-123"},
                                                 {"container_name", "box"}}));
  EXPECT_EQ(all[1].frame, cua_frame("get_screen_size"));

  options.cua_api_key = "sk-wrong-456";
  auto refused = make_cua_computer("cua-1", options)->start();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::computer_failed);
  auto text = describe(refused.error());
  EXPECT_NE(text.find("refused the API key"), std::string::npos) << text;
  EXPECT_EQ(text.find("sk-wrong-456"), std::string::npos) << text;
}

TEST(cua_computer, falls_back_to_post_cmd_when_websocket_is_declined) {
  fake_cua_server::options o;
  o.websocket = false;
  o.api_key = "k1";
  o.container_name = "vm";
  fake_cua_server fake(o);
  auto options = options_for("vm=" + fake.url());
  options.cua_api_key = "k1";
  auto machine = started(options);
  ASSERT_TRUE(machine->perform(action_at(action_kind::left_click, 3, 4)));
  auto shot = machine->capture();
  ASSERT_TRUE(shot) << describe(shot.error());
  EXPECT_EQ(shot->width, 1024);
  auto all = fake.received();
  ASSERT_EQ(all.size(), 3u);
  for (const auto& r : all)
    EXPECT_EQ(r.transport, "http");
  EXPECT_EQ(all[1].frame, cua_frame("left_click", {{"x", 3}, {"y", 4}}));

  options.cua_api_key = "k2";
  auto refused = make_cua_computer("cua-1", options)->start();
  ASSERT_FALSE(refused);
  EXPECT_NE(describe(refused.error()).find("refused the API key"), std::string::npos);
}

TEST(cua_computer, a_refused_command_is_an_action_error_that_keeps_the_computer) {
  fake_cua_server fake;
  fake.fail("type_text", "keyboard is locked");
  auto machine = started(options_for(fake.url()));
  auto typed = machine->perform(action_with_text(action_kind::type, "hi"));
  ASSERT_FALSE(typed);
  EXPECT_EQ(typed.error(), errc::invalid_action);
  EXPECT_NE(describe(typed.error()).find("keyboard is locked"), std::string::npos);
  EXPECT_TRUE(machine->perform(action_at(action_kind::mouse_move, 1, 1)));
  EXPECT_EQ(fake.websocket_connections(), 1);
}

TEST(cua_computer, reconnects_when_the_server_comes_back) {
  fake_cua_server fake;
  auto machine = started(options_for(fake.url()));
  fake.stop();
  fake.restart();
  auto moved = machine->perform(action_at(action_kind::mouse_move, 10, 20));
  ASSERT_TRUE(moved) << describe(moved.error());
  EXPECT_EQ(fake.websocket_connections(), 2);
  EXPECT_EQ(fake.cursor(), std::make_pair(10, 20));
}

TEST(cua_computer, resends_a_dropped_read_but_never_a_dropped_action) {
  fake_cua_server fake;
  auto machine = started(options_for(fake.url()));
  fake.drop_on("get_cursor_position");
  auto read = machine->perform(action_with_text(action_kind::cursor_position));
  ASSERT_TRUE(read) << describe(read.error());
  fake.clear_received();
  fake.drop_on("left_click");
  auto click = machine->perform(action_at(action_kind::left_click, 1, 2));
  ASSERT_FALSE(click);
  EXPECT_EQ(click.error(), errc::invalid_action);
  EXPECT_NE(describe(click.error()).find("may or may not have happened"), std::string::npos);
  EXPECT_EQ(fake.commands().size(), 1u); // sent once, not again
  EXPECT_TRUE(machine->perform(action_at(action_kind::left_click, 1, 2))); // reconnects
  EXPECT_EQ(fake.websocket_connections(), 3);
}

TEST(cua_computer, a_command_past_its_timeout_fails_the_computer_and_leaves_no_stale_reply) {
  fake_cua_server fake;
  auto machine = started(options_for(fake.url(), 0.3));
  fake.set_reply_delay(1500ms);
  auto begun = std::chrono::steady_clock::now();
  auto late = machine->perform(action_with_text(action_kind::cursor_position));
  auto took = std::chrono::steady_clock::now() - begun;
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error(), errc::computer_failed);
  EXPECT_NE(describe(late.error()).find("did not answer `get_cursor_position` within 0.3 s"),
            std::string::npos)
    << describe(late.error());
  EXPECT_LT(took, 1200ms);
  fake.set_reply_delay(0ms);
  ASSERT_TRUE(machine->perform(action_at(action_kind::mouse_move, 7, 9)));
  auto now = machine->perform(action_with_text(action_kind::cursor_position));
  ASSERT_TRUE(now);
  EXPECT_EQ(now->cursor_x, 7);
  EXPECT_EQ(now->cursor_y, 9);
}

TEST(cua_computer, an_unreachable_server_fails_the_start_within_its_bound) {
  auto begun = std::chrono::steady_clock::now();
  auto info = make_cua_computer("cua-1", options_for("http://127.0.0.1:"
                                                     + std::to_string(test::unused_loopback_port())))
                ->start();
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error(), errc::computer_failed);
  EXPECT_NE(describe(info.error()).find("cannot be reached"), std::string::npos)
    << describe(info.error());
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 3s);
}

TEST(cua_computer, tls_to_a_server_that_speaks_none_fails_clearly) {
  fake_cua_server fake;
  auto info = make_cua_computer("cua-1", options_for("https://127.0.0.1:"
                                                     + std::to_string(fake.port())))
                ->start();
  ASSERT_FALSE(info);
  EXPECT_NE(describe(info.error()).find("TLS handshake"), std::string::npos)
    << describe(info.error());
}

TEST(cua_computer, runs_the_reset_command_at_start_and_between_sessions) {
  fake_cua_server fake;
  auto options = options_for(fake.url());
  options.cua_reset_command = "pkill -u cua firefox; rm -rf ~/Downloads/*";
  options.cua_reset_timeout_s = 5;
  auto machine = started(options);
  auto reset_frame = cua_frame("run_command", {{"command", options.cua_reset_command}, {"timeout", 5.0}});
  EXPECT_EQ(fake.commands().front(), reset_frame);
  fake.clear_received();
  ASSERT_FALSE(machine->reset());
  EXPECT_EQ(fake.commands(), std::vector<json>{reset_frame});
  fake.set_run_command_result("", "permission denied", 3);
  auto err = machine->reset();
  ASSERT_TRUE(err);
  EXPECT_EQ(err, errc::computer_failed);
  EXPECT_NE(describe(err).find("exit code 3: permission denied"), std::string::npos)
    << describe(err);
}

TEST(cua_computer, without_a_reset_command_a_reset_checks_the_server_is_alive) {
  fake_cua_server fake;
  auto machine = started(options_for(fake.url()));
  fake.clear_received();
  EXPECT_FALSE(machine->reset());
  EXPECT_TRUE(fake.commands().empty()); // nothing done to the screen
  fake.set_status_ok(false);
  auto err = machine->reset();
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("is not ready"), std::string::npos) << describe(err);
}

TEST(cua_computer, names_its_computers_after_the_urls) {
  backend_options options;
  options.cua_urls = {"http://a:8000", "http://b:8000"};
  EXPECT_EQ(cua_computer_ids(options), (std::vector<std::string>{"cua-1", "cua-2"}));
}

namespace {

std::vector<uint8_t> flat_png(uint8_t shade) {
  rgb_image picture;
  picture.width = 64;
  picture.height = 48;
  picture.pixels.assign(64 * 48 * 3, shade);
  return encode_png(picture).value();
}

} // namespace

TEST(cua_computer, settles_when_two_screenshots_a_quiet_window_apart_are_alike) {
  fake_cua_server::options o;
  o.screen_width = 64;
  o.screen_height = 48;
  fake_cua_server fake(o);
  fake.set_screenshot_png(flat_png(10));
  auto options = options_for(fake.url());
  options.settle.quiet = 60ms;
  options.settle.bound = 2000ms;
  auto machine = started(options);
  fake.clear_received();
  auto still = machine->settle();
  EXPECT_TRUE(still.settled);
  EXPECT_GE(still.waited_ms, 60);
  EXPECT_LT(still.waited_ms, 1000);
  EXPECT_EQ(fake.commands(), (std::vector<json>{cua_frame("screenshot", {{"format", "png"}}),
                                                cua_frame("screenshot", {{"format", "png"}})}));
  // A screen that changes for 400 ms settles a quiet window after its last change.
  std::atomic<bool> changing{true};
  std::thread painter([&] {
    for (uint8_t shade = 20; changing; shade = static_cast<uint8_t>(shade + 10)) {
      fake.set_screenshot_png(flat_png(shade));
      std::this_thread::sleep_for(20ms);
    }
  });
  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(400ms);
    changing = false;
  });
  auto moving = machine->settle();
  stopper.join();
  painter.join();
  EXPECT_TRUE(moving.settled);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);
  EXPECT_GE(moving.waited_ms, 400);
  // Nothing is waited for with a bound of 0, and no screenshot is taken for it.
  options.settle.bound = 0ms;
  auto instant = started(options);
  fake.clear_received();
  EXPECT_EQ(instant->settle().waited_ms, 0);
  EXPECT_TRUE(fake.commands().empty());
}
