// When a screen counts as settled, on timelines the tests make up.

#include "computers/screen_settling.hpp"

#include <gtest/gtest.h>

using namespace cua;
using namespace std::chrono_literals;

namespace {

settle_options options(std::chrono::milliseconds quiet, std::chrono::milliseconds bound,
                       bool fixed = false) {
  settle_options o;
  o.quiet = quiet;
  o.bound = bound;
  o.fixed = fixed;
  return o;
}

} // namespace

TEST(screen_settling, a_quiet_screen_settles_after_the_quiet_window) {
  auto t0 = settle_watch::clock::time_point{} + 1h;
  settle_watch watch(options(60ms, 1500ms), t0);
  EXPECT_EQ(watch.remaining(t0), 60ms);
  EXPECT_EQ(watch.remaining(t0 + 59ms), 1ms);
  EXPECT_FALSE(watch.remaining(t0 + 60ms));
  auto report = watch.report(t0 + 60ms);
  EXPECT_TRUE(report.settled);
  EXPECT_EQ(report.waited_ms, 60);
}

TEST(screen_settling, each_change_starts_the_quiet_window_again) {
  auto t0 = settle_watch::clock::time_point{} + 1h;
  settle_watch watch(options(60ms, 1500ms), t0);
  watch.changed(t0 + 50ms);
  EXPECT_EQ(watch.remaining(t0 + 60ms), 50ms);
  watch.changed(t0 + 100ms);
  watch.changed(t0 + 90ms); // out of order: the later one counts
  EXPECT_EQ(watch.remaining(t0 + 150ms), 10ms);
  EXPECT_FALSE(watch.remaining(t0 + 160ms));
  EXPECT_TRUE(watch.report(t0 + 160ms).settled);
  EXPECT_EQ(watch.report(t0 + 160ms).waited_ms, 160);
}

TEST(screen_settling, a_screen_that_keeps_changing_ends_at_the_bound_unsettled) {
  auto t0 = settle_watch::clock::time_point{} + 1h;
  settle_watch watch(options(60ms, 200ms), t0);
  for (auto t = 0ms; t < 200ms; t += 20ms)
    watch.changed(t0 + t);
  EXPECT_EQ(watch.remaining(t0 + 190ms), 10ms); // the bound is nearer than the quiet window
  EXPECT_FALSE(watch.remaining(t0 + 200ms));
  auto report = watch.report(t0 + 200ms);
  EXPECT_FALSE(report.settled);
  EXPECT_EQ(report.waited_ms, 200);
}

TEST(screen_settling, fixed_waits_the_bound_and_zero_waits_nothing) {
  auto t0 = settle_watch::clock::time_point{} + 1h;
  settle_watch fixed(options(60ms, 500ms, true), t0);
  EXPECT_EQ(fixed.remaining(t0 + 100ms), 400ms);
  EXPECT_FALSE(fixed.remaining(t0 + 500ms));
  EXPECT_TRUE(fixed.report(t0 + 500ms).settled);
  settle_watch no_bound(options(60ms, 0ms), t0);
  EXPECT_FALSE(no_bound.remaining(t0));
  settle_watch no_quiet(options(0ms, 1500ms), t0);
  EXPECT_FALSE(no_quiet.remaining(t0));
  EXPECT_TRUE(no_quiet.report(t0).settled);
}
