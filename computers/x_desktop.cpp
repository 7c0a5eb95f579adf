#include "computers/x_desktop.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include <X11/Xauth.h>
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "messages/errors.hpp"

namespace cua {

namespace {

caf::error failed(const std::string& text) {
  return make_error(errc::computer_failed, text);
}

std::string random_cookie() {
  std::random_device device;
  std::string cookie(16, '\0');
  for (auto& c : cookie)
    c = static_cast<char>(device() & 0xff);
  return cookie;
}

// One entry that matches any display (FamilyWild, no number), so that the file is complete before
// Xvfb has chosen its display number.
bool write_authority(const std::string& path, std::string cookie) {
  auto* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr)
    return false;
  std::string name = "MIT-MAGIC-COOKIE-1";
  Xauth entry{};
  entry.family = FamilyWild;
  entry.name_length = static_cast<unsigned short>(name.size());
  entry.name = name.data();
  entry.data_length = static_cast<unsigned short>(cookie.size());
  entry.data = cookie.data();
  entry.address = const_cast<char*>("");
  entry.number = const_cast<char*>("");
  bool ok = XauWriteAuth(file, &entry) == 1;
  return std::fclose(file) == 0 && ok;
}

} // namespace

x_desktop::~x_desktop() {
  destroy();
}

pid_t x_desktop::spawn(const std::vector<std::string>& argv, bool own_group) {
  // Everything the child needs is prepared here: between fork and exec in a threaded process only
  // async-signal-safe calls are allowed (no malloc, no setenv).
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_text{"DISPLAY=" + display_, "XAUTHORITY=" + authority_,
                                    "HOME=" + dir_ + "/home", "TMPDIR=" + dir_ + "/tmp"};
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    auto name = entry.substr(0, entry.find('='));
    if (name != "DISPLAY" && name != "XAUTHORITY" && name != "HOME" && name != "TMPDIR")
      env_text.push_back(std::move(entry));
  }
  std::vector<char*> env;
  for (auto& e : env_text)
    env.push_back(e.data());
  env.push_back(nullptr);
  pid_t group = own_group ? 0 : xvfb_pid_;
  sigset_t none;
  sigemptyset(&none);
  auto pid = fork();
  if (pid == 0) {
    setpgid(0, group);
    // Ends with the thread that started it (the computer's), even if the server is SIGKILLed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    // The server's stdout is MCP only, and the desktop's chatter (font warnings, display number
    // retries, lost connections at teardown) is not the server's to log.
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execvpe(args[0], args.data(), env.data());
    _exit(127);
  }
  if (pid > 0)
    setpgid(pid, own_group ? pid : xvfb_pid_); // also from here: no race with exec
  return pid;
}

caf::error x_desktop::start(const x_desktop_options& options) {
  // Programs the startup command forks (sh -c "xterm" forks xterm) become ours when their parent
  // dies, so that destroy() can reap every one of them instead of leaving zombies to init.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  char dir_template[] = "/tmp/cua-desktop-XXXXXX";
  if (mkdtemp(dir_template) == nullptr)
    return failed(std::string("cannot create a temporary directory: ") + std::strerror(errno));
  dir_ = dir_template;
  std::filesystem::create_directories(dir_ + "/home");
  std::filesystem::create_directories(dir_ + "/tmp");
  authority_ = dir_ + "/Xauthority";
  cookie_ = random_cookie();
  if (!write_authority(authority_, cookie_))
    return failed("cannot write the X authority file " + authority_);
  int ready[2];
  if (pipe(ready) != 0)
    return failed(std::string("pipe: ") + std::strerror(errno));
  fcntl(ready[0], F_SETFD, FD_CLOEXEC);
  auto screen = std::to_string(options.width) + "x" + std::to_string(options.height) + "x24";
  // Xvfb writes its display number to -displayfd once it accepts connections.
  xvfb_pid_ = spawn({"Xvfb", "-displayfd", std::to_string(ready[1]), "-screen", "0", screen,
                     "-nolisten", "tcp", "-auth", authority_, "-extension", "GLX", "-nocursor"},
                    true);
  close(ready[1]);
  if (xvfb_pid_ < 0) {
    close(ready[0]);
    return failed(std::string("cannot start Xvfb: ") + std::strerror(errno));
  }
  std::string number;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.start_timeout_ms);
  while (number.empty() || number.back() != '\n') {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now()).count();
    pollfd fd{ready[0], POLLIN, 0};
    if (left <= 0 || poll(&fd, 1, static_cast<int>(left)) <= 0)
      break;
    char chunk[16];
    auto n = read(ready[0], chunk, sizeof(chunk));
    if (n <= 0)
      break;
    number.append(chunk, static_cast<size_t>(n));
  }
  close(ready[0]);
  if (number.empty() || number.back() != '\n') {
    destroy();
    return failed("Xvfb did not come up within " + std::to_string(options.start_timeout_ms)
                  + " ms (is the xvfb package installed?)");
  }
  number.pop_back();
  display_ = ":" + number;
  if (!options.window_manager.empty())
    children_.push_back(spawn({options.window_manager}, false));
  if (!options.startup.empty())
    children_.push_back(spawn({"/bin/sh", "-c", options.startup}, false));
  spdlog::debug("desktop {} started (Xvfb pid {})", display_, xvfb_pid_);
  return caf::none;
}

bool x_desktop::alive() {
  if (xvfb_pid_ <= 0)
    return false;
  int status = 0;
  auto r = waitpid(xvfb_pid_, &status, WNOHANG);
  if (r == xvfb_pid_) {
    spdlog::warn("Xvfb of desktop {} ended", display_);
    // Its group may live on; destroy() still kills it by the group id we keep.
    return false;
  }
  return r == 0;
}

void x_desktop::destroy() {
  if (xvfb_pid_ > 0) {
    kill(-xvfb_pid_, SIGTERM);
    // A short grace period for a clean exit, then the whole group goes.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (std::chrono::steady_clock::now() < deadline && kill(-xvfb_pid_, 0) == 0) {
      while (waitpid(-xvfb_pid_, nullptr, WNOHANG) > 0) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(-xvfb_pid_, SIGKILL);
    while (waitpid(-xvfb_pid_, nullptr, 0) > 0) {
    }
    xvfb_pid_ = -1;
  }
  children_.clear();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
}

} // namespace cua
