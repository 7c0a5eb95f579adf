#include "computers/x_desktop.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <X11/Xauth.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "computers/desktop_process.hpp"
#include "messages/errors.hpp"
#include "util/proc_status.hpp"

namespace cua {

namespace {

using clock_type = std::chrono::steady_clock;

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

// Reads from `fd` until `done` says the text is complete, the writer closes, or the deadline.
template <class Done>
std::string read_until(int fd, clock_type::time_point deadline, Done done) {
  std::string text;
  while (!done(text)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
      break;
    char chunk[256];
    auto n = read(fd, chunk, sizeof(chunk));
    if (n <= 0)
      break;
    text.append(chunk, static_cast<size_t>(n));
  }
  return text;
}

std::string first_line_of(const std::string& text) {
  auto end = text.find('\n');
  return text.substr(0, end);
}

struct pipe_pair {
  int read_end = -1;
  int write_end = -1;
  pipe_pair() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) {
      read_end = fds[0];
      write_end = fds[1];
    }
  }
  ~pipe_pair() {
    close_read();
    close_write();
  }
  bool ok() const { return read_end >= 0; }
  void close_read() {
    if (read_end >= 0)
      close(read_end);
    read_end = -1;
  }
  void close_write() {
    if (write_end >= 0)
      close(write_end);
    write_end = -1;
  }
};

// The desktop's first program, the same sandboxed or not: Xvfb, whose -displayfd answer goes to
// the server (fd 3); then, once the server says go (fd 5), the window manager and the startup
// program; it ends when Xvfb ends. fd 6 is bwrap's, never the desktop's.
constexpr const char* desktop_script = R"(exec 2>/dev/null 6>&-
Xvfb $CUA_DISPLAY -displayfd 4 -screen 0 "$CUA_SCREEN" -nolisten tcp $CUA_NOLISTEN \
  -auth "$XAUTHORITY" -extension GLX -nocursor 4>&1 >/dev/null 2>&1 </dev/null | {
  read -r n || exit 1
  echo "$n" >&3
  exec 3>&-
  read -r go <&5 || exit 1
  exec 5<&-
  export DISPLAY=":$n"
  [ -z "$CUA_WM" ] || $CUA_WM </dev/null &
  [ -z "$CUA_STARTUP" ] || /bin/sh -c "$CUA_STARTUP" </dev/null &
  exec cat >/dev/null
})";

// A desktop's directory and cgroups are named cua-desktop-PID-XXXXXX after the server that made
// them. Returns whether `name` is such a name of a server that no longer runs (killed before it
// could clean up: its desktops died with it, their files did not).
bool abandoned(const std::string& name) {
  static const std::string prefix = "cua-desktop-";
  if (name.rfind(prefix, 0) != 0)
    return false;
  auto dash = name.find('-', prefix.size());
  auto pid_text = name.substr(prefix.size(), dash - prefix.size());
  if (dash == std::string::npos || pid_text.empty()
      || pid_text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  return kill(static_cast<pid_t>(std::stol(pid_text)), 0) != 0 && errno == ESRCH;
}

// Once per process, before its first desktop: what killed servers left behind goes.
void reclaim_abandoned_desktops() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec))
      if (abandoned(entry.path().filename().string())) {
        std::error_code ignored;
        std::filesystem::remove_all(entry.path(), ignored);
      }
    remove_abandoned_groups(this_cgroup_host(), abandoned);
    x_display_reservation::reclaim_abandoned("/tmp/cua-desktop-");
  });
}

} // namespace

x_desktop::~x_desktop() {
  destroy();
}

caf::error x_desktop::start(const x_desktop_options& options) {
  options_ = options;
  const auto& sandbox = options.sandbox;
  // Programs the startup command forks (sh -c "xterm" forks xterm), and the sandbox's first
  // process once bwrap is gone, become ours when their parent dies, so that destroy() can reap
  // every one of them instead of leaving zombies to init.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  desktop_identity identity;
  if (sandbox.enabled) {
    auto id = resolve_desktop_identity(sandbox);
    if (!id)
      return id.error();
    identity = *id;
  }
  reclaim_abandoned_desktops();
  auto dir_template = "/tmp/cua-desktop-" + std::to_string(getpid()) + "-XXXXXX";
  if (mkdtemp(dir_template.data()) == nullptr)
    return failed(std::string("cannot create a temporary directory: ") + std::strerror(errno));
  dir_ = dir_template;
  authority_ = dir_ + "/Xauthority";
  cookie_ = random_cookie();
  if (!write_authority(authority_, cookie_))
    return failed("cannot write the X authority file " + authority_);
  auto deadline = clock_type::now() + std::chrono::milliseconds(options.start_timeout_ms);
  pipe_pair ready;
  pipe_pair go;
  pipe_pair info;
  pipe_pair errors;
  if (!ready.ok() || !go.ok() || !info.ok() || !errors.ok())
    return failed(std::string("pipe: ") + std::strerror(errno));
  desktop_process_spec spec;
  std::vector<std::string> extra{"CUA_SCREEN=" + std::to_string(options.width) + "x"
                                   + std::to_string(options.height) + "x24",
                                 "CUA_WM=" + options.window_manager,
                                 "CUA_STARTUP=" + options.startup};
  spec.fds = {{3, ready.write_end}, {5, go.read_end}};
  if (sandbox.enabled) {
    // The directory is traversable by the desktop's user (bwrap mounts its parts as that user),
    // but not listable: its name is the only way in, and the sandbox never learns it.
    chmod(dir_.c_str(), 0711);
    desktop_paths paths{dir_ + "/x11", authority_};
    if (mkdir(paths.x11_dir.c_str(), 0700) != 0
        || chown(paths.x11_dir.c_str(), identity.uid, identity.gid) != 0
        || chown(authority_.c_str(), identity.uid, identity.gid) != 0
        || chmod(authority_.c_str(), 0400) != 0)
      return failed("cannot prepare the desktop's files in " + dir_ + ": " + std::strerror(errno));
    if (auto err = reservation_.reserve(paths.x11_dir))
      return err;
    display_ = ":" + std::to_string(reservation_.number());
    auto name = dir_.substr(dir_.rfind('/') + 1);
    desktop_limit_options limits{sandbox.max_procs, sandbox.memory_bytes, sandbox.cpus};
    if (auto err = limits_.apply(this_cgroup_host(), name, limits))
      return err;
    spec.cgroup_procs = limits_.cgroup_procs();
    spec.rlimits = limits_.rlimits();
    spec.identity = identity;
    extra.insert(extra.end(), {"CUA_DISPLAY=" + display_, "CUA_NOLISTEN=-nolisten local",
                               std::string("XAUTHORITY=") + sandbox_authority_path,
                               std::string("HOME=") + sandbox_home, "TMPDIR=/tmp"});
    spec.argv = sandbox_command(sandbox, paths, 6, {"/bin/sh", "-c", desktop_script});
    spec.fds.emplace_back(6, info.write_end);
    spec.stderr_fd = errors.write_end;
  } else {
    std::filesystem::create_directories(dir_ + "/home");
    std::filesystem::create_directories(dir_ + "/tmp");
    extra.insert(extra.end(), {"XAUTHORITY=" + authority_, "HOME=" + dir_ + "/home",
                               "TMPDIR=" + dir_ + "/tmp"});
    spec.argv = {"/bin/sh", "-c", desktop_script};
  }
  spec.environment = desktop_environment(std::move(extra));
  leader_pid_ = start_desktop_process(spec);
  ready.close_write();
  go.close_read();
  info.close_write();
  errors.close_write();
  if (leader_pid_ < 0)
    return failed(std::string("cannot start the desktop: ") + std::strerror(errno));
  // Kept open while the desktop runs: bwrap's last words must not end it with SIGPIPE.
  std::swap(errors_fd_, errors.read_end);
  auto number = read_until(ready.read_end, deadline, [](const std::string& text) {
    return !text.empty() && text.back() == '\n';
  });
  if (number.empty() || number.back() != '\n') {
    pollfd p{errors_fd_, POLLIN, 0};
    std::string why;
    if (poll(&p, 1, 0) > 0)
      why = first_line_of(read_until(errors_fd_, clock_type::now(),
                                     [](const std::string& t) { return !t.empty(); }));
    destroy();
    if (!why.empty())
      return failed("the desktop sandbox did not start: " + why);
    return failed("Xvfb did not come up within " + std::to_string(options.start_timeout_ms)
                  + " ms (is the xvfb package installed?)");
  }
  number.pop_back();
  display_ = ":" + number;
  if (sandbox.enabled) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (auto err = start_network(info.read_end, static_cast<int>(std::max<int64_t>(left.count(), 1)))) {
      destroy();
      return err;
    }
  }
  if (write(go.write_end, "go\n", 3) != 3) {
    destroy();
    return failed("the desktop ended while it started");
  }
  spdlog::debug("desktop {} started ({}, pid {})", display_,
                sandbox.enabled ? "sandboxed" : "unsandboxed", leader_pid_.load());
  return caf::none;
}

caf::error x_desktop::start_network(int info_fd, int timeout_ms) {
  // bwrap tells where the sandbox's first process is; its network namespace is the desktop's.
  auto deadline = clock_type::now() + std::chrono::milliseconds(timeout_ms);
  auto text = read_until(info_fd, deadline, [](const std::string& t) {
    return t.find('}') != std::string::npos;
  });
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("child-pid"))
    return failed("the desktop sandbox did not say where it runs");
  sandbox_pid_ = parsed["child-pid"].get<pid_t>();
  if (options_.sandbox.network != desktop_network::isolated)
    return caf::none;
  pipe_pair ready;
  if (!ready.ok())
    return failed(std::string("pipe: ") + std::strerror(errno));
  // slirp4netns enters the sandbox's network namespace and makes its tap device there; the host's
  // loopback stays out of reach (10.0.2.2 would lead to it). The namespace belongs to bwrap's
  // first user namespace, the parent of the one the sandbox's processes are in.
  auto netns = "/proc/" + std::to_string(sandbox_pid_) + "/ns/net";
  desktop_process_spec spec;
  spec.argv = {"slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback",
               "--ready-fd=3", "--netns-type=path"};
  spec.environment = desktop_environment({});
  spec.fds = {{3, ready.write_end}};
  spec.group = leader_pid_;
  int owner_fd = -1;
  if (getuid() == 0) {
    // Root may enter any namespace, and opens /dev/net/tun where only root may; slirp4netns then
    // drops every capability but binding low ports, and confines itself (its own sandbox and
    // seccomp filter).
    spec.argv.insert(spec.argv.end(), {"--enable-sandbox", "--enable-seccomp"});
  } else {
    // An ordinary user joins the owning user namespace, which is theirs.
    int inner = open(("/proc/" + std::to_string(sandbox_pid_) + "/ns/user").c_str(),
                     O_RDONLY | O_CLOEXEC);
    owner_fd = inner >= 0 ? ioctl(inner, NS_GET_PARENT) : -1;
    if (inner >= 0)
      close(inner);
    if (owner_fd < 0)
      return failed(std::string("cannot find the sandbox's user namespace: ") + std::strerror(errno));
    spec.fds.emplace_back(4, owner_fd);
    spec.argv.emplace_back("--userns-path=/proc/self/fd/4");
  }
  spec.argv.insert(spec.argv.end(), {netns, "tap0"});
  auto pid = start_desktop_process(spec);
  if (owner_fd >= 0)
    close(owner_fd);
  ready.close_write();
  if (pid < 0)
    return failed(std::string("cannot start slirp4netns: ") + std::strerror(errno));
  auto answer = read_until(ready.read_end, deadline, [](const std::string& t) { return !t.empty(); });
  if (answer.empty())
    return failed("the desktop's isolated network (slirp4netns) did not come up within "
                  + std::to_string(timeout_ms) + " ms");
  return caf::none;
}

bool x_desktop::alive() {
  if (leader_pid_ <= 0)
    return false;
  int status = 0;
  auto r = waitpid(leader_pid_, &status, WNOHANG);
  if (r == leader_pid_) {
    spdlog::warn("desktop {} ended{}", display_, end_cause().empty() ? "" : ": " + end_cause());
    // Its group may live on; destroy() still kills it by the group id we keep.
    return false;
  }
  return r == 0;
}

int64_t x_desktop::cpu_time_ns() const {
  if (auto counted = limits_.cpu_time_ns())
    return *counted;
  if (leader_pid_ <= 0)
    return 0;
  // utime and stime, fields 14 and 15 of /proc/PID/stat, for the group's processes and theirs.
  auto parents = process_parents();
  std::vector<pid_t> members;
  for (auto [pid, parent] : parents)
    if (getpgid(pid) == leader_pid_)
      members.push_back(pid);
  static const int64_t ns_per_tick = 1'000'000'000 / sysconf(_SC_CLK_TCK);
  int64_t ticks = 0;
  for (auto pid : with_descendants(members, parents)) {
    auto fields = proc_stat_fields(pid);
    if (fields.size() > 12)
      ticks += std::atoll(fields[11].c_str()) + std::atoll(fields[12].c_str());
  }
  return ticks * ns_per_tick;
}

std::string x_desktop::end_cause() const {
  if (limits_.memory_limit_hit())
    return "the desktop reached its memory limit (--desktop-memory)";
  return {};
}

void x_desktop::kill_processes() {
  if (auto group = leader_pid_.load(); group > 0)
    kill(-group, SIGKILL);
}

void x_desktop::destroy() {
  if (leader_pid_ > 0) {
    kill(-leader_pid_, SIGTERM);
    // A short grace period for a clean exit, then the whole group goes.
    auto deadline = clock_type::now() + std::chrono::milliseconds(500);
    while (clock_type::now() < deadline && kill(-leader_pid_, 0) == 0) {
      while (waitpid(-leader_pid_, nullptr, WNOHANG) > 0) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(-leader_pid_, SIGKILL);
    while (waitpid(-leader_pid_, nullptr, 0) > 0) {
    }
    leader_pid_ = -1;
  }
  if (sandbox_pid_ > 0) {
    // The sandbox's first process dies with bwrap (its parent-death signal), and its PID
    // namespace with it; then it is ours to reap (we are the subreaper), within a bound.
    auto deadline = clock_type::now() + std::chrono::milliseconds(500);
    while (clock_type::now() < deadline) {
      auto r = waitpid(sandbox_pid_, nullptr, WNOHANG);
      if (r == sandbox_pid_ || (r < 0 && kill(sandbox_pid_, 0) != 0))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    sandbox_pid_ = -1;
  }
  if (errors_fd_ >= 0) {
    close(errors_fd_);
    errors_fd_ = -1;
  }
  limits_.remove();
  reservation_.release();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
}

} // namespace cua
