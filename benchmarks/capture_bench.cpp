// cua-capture-bench: screenshot cost on a real X desktop (the xvfb backend), capture and PNG
// encoding measured apart, against `xwd -root | xwdtopnm | pnmtopng` on the same display in the
// same run; plus the memory of one desktop.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <unistd.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <nlohmann/json.hpp>

#include "computers/png_codec.hpp"
#include "computers/x_connection.hpp"
#include "computers/x_desktop.hpp"
#include "computers/xvfb_computer.hpp"
#include "messages/errors.hpp"
#include "util/proc_status.hpp"

using namespace std::chrono;
using namespace cua;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Sum of PSS (KiB) over a desktop's processes: its process group (unsandboxed, programs whose
// shell ended are the group's but nobody's children) and everything below them (sandboxed, the
// programs are a few levels under bwrap, in a session of their own).
long desktop_pss_kib(pid_t group) {
  auto parents = process_parents();
  std::vector<pid_t> members;
  for (auto [pid, parent] : parents)
    if (getpgid(pid) == group)
      members.push_back(pid);
  auto tree = with_descendants(members, parents);
  long total = 0;
  for (auto pid : tree) {
    std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string line;
    while (std::getline(rollup, line))
      if (line.rfind("Pss:", 0) == 0)
        total += std::stol(line.substr(4));
  }
  return total;
}

// Covers the screen with a photo-like picture (smooth colour fields plus noise): the hard case
// for PNG.
void paint_busy(const x_desktop& desktop, int w, int h) {
  auto* dpy = open_x_display(desktop.display(), desktop.cookie());
  auto screen = DefaultScreen(dpy);
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True;
  auto win = XCreateWindow(dpy, RootWindow(dpy, screen), 0, 0, static_cast<unsigned>(w),
                           static_cast<unsigned>(h), 0, CopyFromParent, InputOutput, CopyFromParent,
                           CWOverrideRedirect, &attrs);
  XMapRaised(dpy, win);
  XSync(dpy, False);
  std::vector<uint32_t> pixels(static_cast<size_t>(w) * h);
  std::mt19937 rng(42);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto r = static_cast<uint32_t>((x * 255 / w + rng() % 24) & 0xff);
      auto g = static_cast<uint32_t>((y * 255 / h + rng() % 24) & 0xff);
      auto b = static_cast<uint32_t>(((x + y) * 128 / (w + h) + rng() % 24) & 0xff);
      pixels[static_cast<size_t>(y) * w + x] = (r << 16) | (g << 8) | b;
    }
  auto* image = XCreateImage(dpy, DefaultVisual(dpy, screen), 24, ZPixmap, 0,
                             reinterpret_cast<char*>(pixels.data()), static_cast<unsigned>(w),
                             static_cast<unsigned>(h), 32, 0);
  XPutImage(dpy, win, DefaultGC(dpy, screen), image, 0, 0, 0, 0, static_cast<unsigned>(w),
            static_cast<unsigned>(h));
  image->data = nullptr; // owned by the vector
  XDestroyImage(image);
  XSync(dpy, False);
  // Left open on purpose: closing the connection would take the window away.
}

struct run_result {
  double capture_ms = 0;
  double encode_ms = 0;
  double total_ms = 0;
  double baseline_ms = 0;
  size_t png_bytes = 0;
};

run_result measure(computer& c, int rounds, bool with_baseline) {
  run_result out;
  std::vector<double> capture;
  std::vector<double> encode;
  std::vector<double> total;
  rgb_image image; // reused, as the computer actor does
  for (int i = 0; i < rounds; ++i) {
    auto t0 = steady_clock::now();
    c.capture_into(image);
    auto t1 = steady_clock::now();
    auto png = encode_png(image);
    auto t2 = steady_clock::now();
    capture.push_back(duration<double, std::milli>(t1 - t0).count());
    encode.push_back(duration<double, std::milli>(t2 - t1).count());
    total.push_back(duration<double, std::milli>(t2 - t0).count());
    out.png_bytes = png->size();
  }
  out.capture_ms = median(capture);
  out.encode_ms = median(encode);
  out.total_ms = median(total);
  if (with_baseline) {
    const auto* desktop = desktop_of(c);
    std::vector<double> baseline;
    auto command = "DISPLAY=" + desktop->display() + " XAUTHORITY=" + desktop->authority_file()
                   + " sh -c 'xwd -root | xwdtopnm 2>/dev/null | pnmtopng > /dev/null 2>&1'";
    for (int i = 0; i < std::max(3, rounds / 5); ++i) {
      auto t0 = steady_clock::now();
      if (std::system(command.c_str()) != 0)
        return out;
      baseline.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
    }
    out.baseline_ms = median(baseline);
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  int rounds = 50;
  std::string json_path;
  CLI::App app{"cua-capture-bench: screenshot cost on a real X desktop against xwd|pnmtopng",
               "cua-capture-bench"};
  app.add_option("--rounds", rounds, "Screenshots per case")->capture_default_str();
  app.add_option("--json", json_path, "Append the results as JSON lines to this file");
  std::string sandbox = "on";
  app.add_option("--desktop-sandbox", sandbox, "on: the desktop in its sandbox (as the server runs "
                 "it); off: unconfined")
    ->capture_default_str()
    ->check(CLI::IsMember({"on", "off"}));
  CLI11_PARSE(app, argc, argv);

  backend_options options;
  options.backend = "xvfb";
  options.sandbox.enabled = sandbox == "on";
  // A terminal full of text: the usual screen of a coding agent.
  // A screenful of a listing, then still: what is measured is the capture, not xterm scrolling.
  options.desktop_startup = "xterm -e sh -c 'ls -l /usr/bin | head -n 100; exec sleep 600'";
  auto c = make_xvfb_computer("bench", options);
  if (auto info = c->start(); !info) {
    std::fprintf(stderr, "cannot start a desktop: %s\n", describe(info.error()).c_str());
    return 1;
  }
  std::this_thread::sleep_for(milliseconds(500)); // let the listing fill the terminal
  auto pss = desktop_pss_kib(desktop_of(*c)->process_group());
  auto terminal = measure(*c, rounds, true);
  paint_busy(*desktop_of(*c), options.screen_width, options.screen_height);
  auto busy = measure(*c, rounds, true);
  c->destroy();

  auto print = [](const char* name, const run_result& r) {
    std::printf("%-15s capture %6.2f ms  encode %6.2f ms  total %6.2f ms  (%7zu bytes)   "
                "xwd|xwdtopnm|pnmtopng %7.1f ms   ratio %5.1fx\n",
                name, r.capture_ms, r.encode_ms, r.total_ms, r.png_bytes, r.baseline_ms,
                r.total_ms > 0 ? r.baseline_ms / r.total_ms : 0);
  };
  std::printf("1280x800, median of %d rounds, sandbox %s\n", rounds, sandbox.c_str());
  print("terminal-like", terminal);
  print("busy (photo)", busy);
  std::printf("desktop memory (Xvfb + matchbox + xterm), PSS: %.1f MiB\n", pss / 1024.0);
  if (!json_path.empty()) {
    auto as_json = [](const char* name, const run_result& r) {
      return nlohmann::json{{"case", name}, {"capture_ms", r.capture_ms}, {"encode_ms", r.encode_ms},
                            {"total_ms", r.total_ms}, {"png_bytes", r.png_bytes},
                            {"baseline_ms", r.baseline_ms}};
    };
    std::ofstream out(json_path, std::ios::app);
    out << as_json("terminal", terminal).dump() << "\n" << as_json("busy", busy).dump() << "\n";
    out << nlohmann::json{{"case", "desktop_pss_mib"}, {"value", pss / 1024.0}, {"sandbox", sandbox}}.dump()
        << "\n";
  }
  return 0;
}
