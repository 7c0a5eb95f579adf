#include "computers/xvfb_computer.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/Xlib-xcb.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <poll.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>
#include <xcb/shm.h>

#include "computers/desktop_limits.hpp"
#include "computers/desktop_sandbox.hpp"
#include "computers/key_names.hpp"
#include "computers/x_connection.hpp"
#include "computers/x_desktop.hpp"
#include "messages/errors.hpp"

namespace cua {

namespace {

caf::error failed(const std::string& text) {
  return make_error(errc::computer_failed, text);
}

class xvfb_computer final : public computer {
public:
  xvfb_computer(std::string id, const backend_options& options) : id_(std::move(id)), options_(options) {
  }

  ~xvfb_computer() override { destroy(); }

  void interrupt() override { desktop_.kill_processes(); }

  caf::expected<computer_info> start() override {
    x_desktop_options desktop_options;
    desktop_options.width = options_.screen_width;
    desktop_options.height = options_.screen_height;
    desktop_options.window_manager = options_.window_manager;
    desktop_options.startup = options_.desktop_startup;
    desktop_options.sandbox = options_.sandbox;
    if (auto err = desktop_.start(desktop_options))
      return err;
    display_ = open_x_display(desktop_.display(), desktop_.cookie());
    if (display_ == nullptr)
      return failed("cannot connect to the new X display " + desktop_.display());
    XSetIOErrorExitHandler(display_, [](Display*, void* self) {
      static_cast<xvfb_computer*>(self)->connection_lost_ = true;
    }, this);
    int ignore = 0;
    if (!XTestQueryExtension(display_, &ignore, &ignore, &ignore, &ignore))
      return failed("the X display has no XTEST extension");
    auto screen = DefaultScreen(display_);
    width_ = DisplayWidth(display_, screen);
    height_ = DisplayHeight(display_, screen);
    if (auto err = set_up_capture())
      return err;
    set_up_damage();
    if (!options_.desktop_startup.empty())
      wait_for_first_window(std::chrono::seconds(5));
    return computer_info{id_, "xvfb", width_, height_, 0, 0};
  }

  caf::error capture_into(rgb_image& frame) override {
    if (auto err = check_alive())
      return err;
    // Armed again before the picture is taken: a change from here on is reported, so that
    // changed_since_capture() never misses one (a change during the capture costs one more).
    if (damage_ != 0) {
      drain_damage();
      XDamageSubtract(display_, damage_, None, None);
    }
    changed_ = false;
    auto root = DefaultRootWindow(display_);
    XImage* image = shm_image_;
    if (shm_image_ != nullptr) {
      if (!XShmGetImage(display_, root, shm_image_, 0, 0, AllPlanes))
        return failed("capturing the screen failed");
    } else {
      image = XGetImage(display_, root, 0, 0, width_, height_, AllPlanes, ZPixmap);
      if (image == nullptr)
        return failed("capturing the screen failed");
    }
    if (auto err = check_alive())
      return err;
    frame.width = width_;
    frame.height = height_;
    frame.pixels.resize(static_cast<size_t>(width_) * height_ * 3);
    to_rgb(image, frame);
    if (image != shm_image_)
      XDestroyImage(image);
    return caf::none;
  }

  bool changed_since_capture() override {
    if (display_ == nullptr || connection_lost_ || damage_ == 0)
      return true;
    drain_damage();
    return changed_;
  }

  caf::expected<action_outcome> perform(const computer_action& action) override {
    if (auto err = check_alive())
      return err;
    // What the screen did before the action is not what settle() waits for.
    if (damage_ != 0)
      XDamageSubtract(display_, damage_, None, None);
    auto err = dispatch(action);
    XFlush(display_);
    if (!err)
      err = check_alive();
    if (err)
      return err;
    return cursor();
  }

  // Settled: the X server has taken the input (a round trip), then neither the screen (DAMAGE on
  // the root window) nor the desktop's processes (their CPU time: an app still computing its
  // answer draws later) have shown a sign of change for the quiet window; bounded.
  settle_report settle() override {
    using clock = settle_watch::clock;
    const auto& options = options_.settle;
    if (display_ == nullptr || connection_lost_)
      return {};
    XSync(display_, False);
    settle_watch watch(options, clock::now());
    // A desktop that uses a fifth of a core or more is busy, sampled a few times per window.
    auto sample_every = std::max(std::chrono::milliseconds(10), options.quiet / 3);
    auto sampled_at = clock::now();
    auto cpu_before = desktop_.cpu_time_ns();
    while (auto wait = watch.remaining(clock::now())) {
      if (XPending(display_) == 0) {
        pollfd fd{ConnectionNumber(display_), POLLIN, 0};
        poll(&fd, 1, static_cast<int>(std::min(*wait, sample_every).count()));
      }
      bool damaged = false;
      while (!connection_lost_ && XPending(display_) > 0) {
        XEvent event;
        XNextEvent(display_, &event);
        damaged = damaged || event.type == damage_event_base_ + XDamageNotify;
      }
      if (connection_lost_)
        break;
      auto now = clock::now();
      if (damaged) {
        changed_ = true;
        // Armed again for the next change (a level-triggered notification).
        XDamageSubtract(display_, damage_, None, None);
        XFlush(display_);
        watch.changed(now);
      }
      if (now - sampled_at >= sample_every) {
        auto cpu = desktop_.cpu_time_ns();
        auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - sampled_at).count();
        if ((cpu - cpu_before) * 5 >= elapsed)
          watch.changed(now);
        cpu_before = cpu;
        sampled_at = now;
      }
    }
    return watch.report(clock::now());
  }

  caf::error reset() override {
    // A desktop cannot be scrubbed reliably; the pool replaces it instead.
    return make_error(errc::not_reusable, "an xvfb computer is replaced rather than reset");
  }

  void destroy() override {
    if (display_ != nullptr) {
      if (damage_ != 0 && !connection_lost_)
        XDamageDestroy(display_, damage_);
      damage_ = 0;
      if (shm_image_ != nullptr) {
        if (!connection_lost_)
          XShmDetach(display_, &shm_info_);
        XDestroyImage(shm_image_);
        if (mapped_bytes_ > 0)
          munmap(shm_info_.shmaddr, mapped_bytes_);
        else
          shmdt(shm_info_.shmaddr);
        mapped_bytes_ = 0;
        shm_image_ = nullptr;
      }
      XCloseDisplay(display_);
      display_ = nullptr;
    }
    desktop_.destroy();
  }

  const x_desktop& desktop() const { return desktop_; }

private:
  caf::error check_alive() {
    if (display_ == nullptr)
      return failed("the computer is not running");
    if (connection_lost_ || !desktop_.alive()) {
      auto cause = desktop_.end_cause();
      return failed("the X server of computer " + id_ + " stopped" + (cause.empty() ? "" : ": " + cause));
    }
    return caf::none;
  }

  // A computer is ready when its startup program shows a window: waits for the first window mapped
  // on the root (event-driven, bounded), so that the first screenshot shows the desktop.
  void wait_for_first_window(std::chrono::milliseconds bound) {
    auto root = DefaultRootWindow(display_);
    XSelectInput(display_, root, SubstructureNotifyMask);
    XSync(display_, False);
    auto deadline = std::chrono::steady_clock::now() + bound;
    auto viewable = [&] {
      Window root_return;
      Window parent;
      Window* children = nullptr;
      unsigned int count = 0;
      bool found = false;
      if (XQueryTree(display_, root, &root_return, &parent, &children, &count)) {
        for (unsigned int i = 0; i < count && !found; ++i) {
          XWindowAttributes attrs;
          found = XGetWindowAttributes(display_, children[i], &attrs) && attrs.map_state == IsViewable
                  && attrs.width > 1 && attrs.height > 1;
        }
        XFree(children);
      }
      return found;
    };
    while (!viewable()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0 || connection_lost_) {
        spdlog::warn("computer {}: no window appeared within {} ms of start", id_, bound.count());
        break;
      }
      // Replies read while checking may have queued events already: poll only on an empty queue.
      if (XPending(display_) == 0) {
        pollfd fd{ConnectionNumber(display_), POLLIN, 0};
        poll(&fd, 1, static_cast<int>(std::min<long long>(left, 50)));
      }
      while (XPending(display_) > 0) {
        XEvent event;
        XNextEvent(display_, &event);
      }
    }
    XSelectInput(display_, root, NoEventMask);
    // Let the window's first frame reach the screen before anyone captures it.
    XSync(display_, False);
  }

  // A reused shared-memory segment: capture then costs a copy, not an allocation (reference:
  // ~0.3 ms for 1280x800 against ~34 ms into fresh pages). A sandboxed X server lives in an IPC
  // namespace of its own, where our SysV segments do not exist: there the segment is a memfd
  // passed over the X socket (MIT-SHM 1.2). SysV is the fallback for older servers.
  caf::error set_up_capture() {
    if (!XShmQueryExtension(display_))
      return caf::none; // plain XGetImage then
    auto screen = DefaultScreen(display_);
    shm_image_ = XShmCreateImage(display_, DefaultVisual(display_, screen),
                                 static_cast<unsigned>(DefaultDepth(display_, screen)), ZPixmap,
                                 nullptr, &shm_info_, width_, height_);
    if (shm_image_ == nullptr)
      return caf::none;
    auto bytes = static_cast<size_t>(shm_image_->bytes_per_line) * height_;
    if (!attach_memfd(bytes) && !attach_sysv(bytes)) {
      XDestroyImage(shm_image_);
      shm_image_ = nullptr;
    }
    return caf::none;
  }

  // Reads the events already here, without waiting: a DAMAGE report marks the screen changed and
  // arms the next one.
  void drain_damage() {
    bool damaged = false;
    while (!connection_lost_ && XPending(display_) > 0) {
      XEvent event;
      XNextEvent(display_, &event);
      damaged = damaged || event.type == damage_event_base_ + XDamageNotify;
    }
    if (damaged && !connection_lost_) {
      changed_ = true;
      XDamageSubtract(display_, damage_, None, None);
      XFlush(display_);
    }
  }

  // Screen changes are reported as DAMAGE events on the root window, which covers every window
  // on it. Without the extension, settling goes by the desktop's CPU time alone.
  void set_up_damage() {
    int error_base = 0;
    if (!XDamageQueryExtension(display_, &damage_event_base_, &error_base))
      return;
    damage_ = XDamageCreate(display_, DefaultRootWindow(display_), XDamageReportNonEmpty);
    XSync(display_, False);
  }

  bool attach_memfd(size_t bytes) {
    auto* connection = XGetXCBConnection(display_);
    auto* version = xcb_shm_query_version_reply(connection, xcb_shm_query_version(connection),
                                                nullptr);
    bool passes_fds = version != nullptr
                      && (version->major_version > 1
                          || (version->major_version == 1 && version->minor_version >= 2));
    free(version);
    if (!passes_fds)
      return false;
    int fd = memfd_create("cua-capture", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
      return false;
    // Sealed at its size: the X server, which the desktop's own programs can reach, can never
    // shrink it under our reads (which would end the server with SIGBUS).
    void* address = MAP_FAILED;
    if (ftruncate(fd, static_cast<off_t>(bytes)) == 0
        && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0)
      address = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) {
      close(fd);
      return false;
    }
    auto segment = xcb_generate_id(connection);
    // xcb sends the descriptor and closes it.
    auto* error = xcb_request_check(connection,
                                    xcb_shm_attach_fd_checked(connection, segment, fd, 0));
    if (error != nullptr) {
      free(error);
      munmap(address, bytes);
      return false;
    }
    shm_info_.shmid = -1;
    shm_info_.shmseg = segment;
    shm_info_.shmaddr = shm_image_->data = static_cast<char*>(address);
    shm_info_.readOnly = False;
    mapped_bytes_ = bytes;
    return true;
  }

  bool attach_sysv(size_t bytes) {
    shm_info_.shmid = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
    if (shm_info_.shmid < 0)
      return false;
    shm_info_.shmaddr = shm_image_->data = static_cast<char*>(shmat(shm_info_.shmid, nullptr, 0));
    shm_info_.readOnly = False;
    XShmAttach(display_, &shm_info_);
    XSync(display_, False);
    // Marked for removal now: the segment goes away with the last detach, even after a crash.
    shmctl(shm_info_.shmid, IPC_RMID, nullptr);
    return true;
  }

  static void to_rgb(XImage* image, rgb_image& out) {
    auto shift_of = [](unsigned long mask) {
      int shift = 0;
      while (mask != 0 && (mask & 1) == 0) {
        mask >>= 1;
        ++shift;
      }
      return shift;
    };
    if (image->bits_per_pixel == 32 && image->red_mask == 0xff0000 && image->green_mask == 0xff00
        && image->blue_mask == 0xff) {
      for (int32_t y = 0; y < out.height; ++y) {
        const auto* src = reinterpret_cast<const uint8_t*>(image->data + y * image->bytes_per_line);
        auto* dst = out.row(y);
        for (int32_t x = 0; x < out.width; ++x) {
          dst[x * 3] = src[x * 4 + 2];
          dst[x * 3 + 1] = src[x * 4 + 1];
          dst[x * 3 + 2] = src[x * 4];
        }
      }
      return;
    }
    auto rs = shift_of(image->red_mask);
    auto gs = shift_of(image->green_mask);
    auto bs = shift_of(image->blue_mask);
    for (int32_t y = 0; y < out.height; ++y)
      for (int32_t x = 0; x < out.width; ++x) {
        auto pixel = XGetPixel(image, x, y);
        auto* dst = out.row(y) + x * 3;
        dst[0] = static_cast<uint8_t>((pixel & image->red_mask) >> rs);
        dst[1] = static_cast<uint8_t>((pixel & image->green_mask) >> gs);
        dst[2] = static_cast<uint8_t>((pixel & image->blue_mask) >> bs);
      }
  }

  action_outcome cursor() {
    Window root_return;
    Window child;
    int root_x = 0;
    int root_y = 0;
    int win_x = 0;
    int win_y = 0;
    unsigned int mask = 0;
    XQueryPointer(display_, DefaultRootWindow(display_), &root_return, &child, &root_x, &root_y,
                  &win_x, &win_y, &mask);
    action_outcome out;
    out.cursor_x = root_x;
    out.cursor_y = root_y;
    return out;
  }

  void move_to(int32_t x, int32_t y) {
    XTestFakeMotionEvent(display_, DefaultScreen(display_), x, y, CurrentTime);
  }

  void button(unsigned int which, bool down) {
    XTestFakeButtonEvent(display_, which, down ? True : False, CurrentTime);
  }

  void click(unsigned int which, int times) {
    for (int i = 0; i < times; ++i) {
      button(which, true);
      button(which, false);
    }
  }

  // Returns the keycode that types `sym`, and whether Shift is needed. A character the keyboard
  // has no key for gets one of the unused keycodes, in turn; the mapping stays until that keycode
  // is needed again, so that clients still read the right character when they get to the event.
  caf::expected<std::pair<KeyCode, bool>> key_for(KeySym sym) {
    auto code = XKeysymToKeycode(display_, sym);
    if (code != 0) {
      bool shifted = XkbKeycodeToKeysym(display_, code, 0, 0) != sym
                     && XkbKeycodeToKeysym(display_, code, 0, 1) == sym;
      return std::make_pair(code, shifted);
    }
    if (spare_codes_.empty())
      find_spare_codes();
    if (spare_codes_.empty())
      return make_error(errc::invalid_action, "no free key to type this character with");
    auto spare = spare_codes_[next_spare_++ % spare_codes_.size()];
    KeySym syms[2] = {sym, sym};
    XChangeKeyboardMapping(display_, spare, 2, syms, 1);
    XSync(display_, False);
    return std::make_pair(spare, false);
  }

  void find_spare_codes() {
    int min_code = 0;
    int max_code = 0;
    XDisplayKeycodes(display_, &min_code, &max_code);
    int per_code = 0;
    auto* map = XGetKeyboardMapping(display_, static_cast<KeyCode>(min_code),
                                    max_code - min_code + 1, &per_code);
    for (int c = max_code; c >= min_code; --c) {
      bool empty = true;
      for (int k = 0; k < per_code; ++k)
        empty = empty && map[(c - min_code) * per_code + k] == NoSymbol;
      if (empty)
        spare_codes_.push_back(static_cast<KeyCode>(c));
    }
    XFree(map);
  }

  caf::error tap(KeySym sym) {
    auto key = key_for(sym);
    if (!key)
      return key.error();
    auto shift = XKeysymToKeycode(display_, XK_Shift_L);
    if (key->second)
      XTestFakeKeyEvent(display_, shift, True, CurrentTime);
    XTestFakeKeyEvent(display_, key->first, True, CurrentTime);
    XTestFakeKeyEvent(display_, key->first, False, CurrentTime);
    if (key->second)
      XTestFakeKeyEvent(display_, shift, False, CurrentTime);
    return caf::none;
  }

  // Presses `keys` in order and releases them in reverse (a chord).
  caf::error press_chord(const std::vector<keysym_t>& keys, double hold_s = 0) {
    std::vector<KeyCode> pressed;
    for (auto sym : keys) {
      auto key = key_for(sym);
      if (!key) {
        for (auto it = pressed.rbegin(); it != pressed.rend(); ++it)
          XTestFakeKeyEvent(display_, *it, False, CurrentTime);
        return key.error();
      }
      XTestFakeKeyEvent(display_, key->first, True, CurrentTime);
      pressed.push_back(key->first);
    }
    if (hold_s > 0) {
      XFlush(display_);
      std::this_thread::sleep_for(std::chrono::duration<double>(hold_s));
    }
    for (auto it = pressed.rbegin(); it != pressed.rend(); ++it)
      XTestFakeKeyEvent(display_, *it, False, CurrentTime);
    XSync(display_, False);
    return caf::none;
  }

  caf::error type_text(const std::string& text) {
    auto points = utf8_code_points(text);
    if (!points)
      return points.error();
    for (auto cp : *points)
      if (auto err = tap(keysym_for_code_point(cp)))
        return err;
    XSync(display_, False);
    return caf::none;
  }

  // Runs `body` with the modifier keys named in `modifiers` ("shift", "ctrl+alt") held down.
  template <class F>
  caf::error with_modifiers(const std::string& modifiers, F body) {
    std::vector<keysym_t> keys;
    if (!modifiers.empty()) {
      auto parsed = parse_key_chord(modifiers);
      if (!parsed)
        return parsed.error();
      keys = std::move(*parsed);
    }
    std::vector<KeyCode> held;
    for (auto sym : keys)
      if (auto code = XKeysymToKeycode(display_, sym); code != 0) {
        XTestFakeKeyEvent(display_, code, True, CurrentTime);
        held.push_back(code);
      }
    body();
    for (auto it = held.rbegin(); it != held.rend(); ++it)
      XTestFakeKeyEvent(display_, *it, False, CurrentTime);
    return caf::none;
  }

  caf::error dispatch(const computer_action& a) {
    if (a.has_coordinate && a.kind != action_kind::left_click_drag)
      move_to(a.x, a.y);
    switch (a.kind) {
      case action_kind::key: {
        auto keys = parse_key_chord(a.text);
        if (!keys)
          return keys.error();
        return press_chord(*keys);
      }
      case action_kind::hold_key: {
        auto keys = parse_key_chord(a.text);
        if (!keys)
          return keys.error();
        return press_chord(*keys, a.duration_s);
      }
      case action_kind::type:
        return type_text(a.text);
      case action_kind::mouse_move:
        return caf::none;
      case action_kind::left_click:
        return with_modifiers(a.text, [&] { click(Button1, 1); });
      case action_kind::right_click:
        return with_modifiers(a.text, [&] { click(Button3, 1); });
      case action_kind::middle_click:
        return with_modifiers(a.text, [&] { click(Button2, 1); });
      case action_kind::double_click:
        return with_modifiers(a.text, [&] { click(Button1, 2); });
      case action_kind::triple_click:
        return with_modifiers(a.text, [&] { click(Button1, 3); });
      case action_kind::left_mouse_down:
        button(Button1, true);
        return caf::none;
      case action_kind::left_mouse_up:
        button(Button1, false);
        return caf::none;
      case action_kind::left_click_drag:
        move_to(a.start_x, a.start_y);
        button(Button1, true);
        XSync(display_, False);
        move_to((a.start_x + a.x) / 2, (a.start_y + a.y) / 2);
        move_to(a.x, a.y);
        XSync(display_, False);
        button(Button1, false);
        return caf::none;
      case action_kind::scroll: {
        // Wheel buttons: 4 up, 5 down, 6 left, 7 right.
        unsigned int wheel = 4;
        switch (a.direction) {
          case scroll_direction::up:
            wheel = 4;
            break;
          case scroll_direction::down:
            wheel = 5;
            break;
          case scroll_direction::left:
            wheel = 6;
            break;
          case scroll_direction::right:
            wheel = 7;
            break;
        }
        return with_modifiers(a.text, [&] { click(wheel, a.scroll_amount); });
      }
      case action_kind::cursor_position:
        return caf::none;
      case action_kind::wait:
      case action_kind::screenshot:
        break;
    }
    return make_error(errc::invalid_action, "not a computer action");
  }

  std::string id_;
  backend_options options_;
  x_desktop desktop_;
  Display* display_ = nullptr;
  bool connection_lost_ = false;
  int32_t width_ = 0;
  int32_t height_ = 0;
  XImage* shm_image_ = nullptr;
  XShmSegmentInfo shm_info_{};
  size_t mapped_bytes_ = 0; // of a memfd segment (0: SysV)
  int damage_event_base_ = 0;
  Damage damage_ = 0;
  bool changed_ = true; // DAMAGE reported a change since the last capture
  std::vector<KeyCode> spare_codes_;
  size_t next_spare_ = 0;
};

} // namespace

caf::error check_xvfb_host(const backend_options& options) {
  if (!options.sandbox.enabled) {
    spdlog::warn("--desktop-sandbox off: desktops run unconfined, as this server's user, with the "
                 "host's files, processes and network; an agent (or a page it reads) can reach "
                 "all of them and every other session's desktop");
    return caf::none;
  }
  return check_desktop_sandbox(options.sandbox);
}

std::pair<std::string, bool> xvfb_isolation(const backend_options& options) {
  const auto& sandbox = options.sandbox;
  if (!sandbox.enabled)
    return {"none (--desktop-sandbox off): desktops run as the server's user with the host's "
            "files, processes and network",
            true};
  auto identity = resolve_desktop_identity(sandbox);
  std::string user = identity ? (identity->switch_user ? sandbox.user : "the server's user, in a user namespace")
                              : sandbox.user;
  const auto& cgroups = this_cgroup_host();
  std::string limits_by = cgroups.kind == cgroup_host::version::v1   ? "cgroup v1"
                          : cgroups.kind == cgroup_host::version::v2 ? "cgroup v2"
                                                                     : "rlimits";
  auto limit = [](auto value, const std::string& text) {
    return value > 0 ? text : std::string("no limit");
  };
  std::string text = "bwrap sandbox per desktop: user " + user + ", network "
                     + to_string(sandbox.network) + ", own PID/IPC/UTS/mount namespaces, "
                     + "system read-only, private HOME and /tmp; limits by " + limits_by + ": "
                     + limit(sandbox.max_procs, std::to_string(sandbox.max_procs) + " processes")
                     + ", "
                     + limit(sandbox.memory_bytes, std::to_string(sandbox.memory_bytes >> 20) + " MiB")
                     + ", " + limit(sandbox.cpus, std::to_string(sandbox.cpus).substr(0, 4) + " CPUs");
  return {text, false};
}

const x_desktop* desktop_of(const computer& c) {
  auto* x = dynamic_cast<const xvfb_computer*>(&c);
  return x != nullptr ? &x->desktop() : nullptr;
}

std::unique_ptr<computer> make_xvfb_computer(const std::string& id, const backend_options& options) {
  return std::make_unique<xvfb_computer>(id, options);
}

} // namespace cua
