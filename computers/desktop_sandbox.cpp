#include "computers/desktop_sandbox.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "computers/desktop_process.hpp"
#include "messages/errors.hpp"

namespace cua {

namespace {

caf::error refused(const std::string& text) {
  return make_error(errc::invalid_arguments, text);
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos)
      end = dirs.size();
    auto candidate = dirs.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0)
      return true;
    start = end + 1;
  }
  return false;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Names the host setting that keeps unprivileged user namespaces away, if one does.
std::string user_namespace_blocker() {
  if (read_first_line("/proc/sys/user/max_user_namespaces") == "0")
    return "the sysctl user.max_user_namespaces is 0";
  if (read_first_line("/proc/sys/kernel/unprivileged_userns_clone") == "0")
    return "the sysctl kernel.unprivileged_userns_clone is 0";
  if (read_first_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
    return "AppArmor restricts unprivileged user namespaces "
           "(sysctl kernel.apparmor_restrict_unprivileged_userns is 1; a profile for bwrap "
           "or setting it to 0 allows them)";
  return {};
}

// The system directories a desktop's programs read: merged-/usr links stay links.
void add_system_dirs(std::vector<std::string>& args) {
  for (const char* dir : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    if (std::filesystem::is_symlink(dir, ec)) {
      auto target = std::filesystem::read_symlink(dir, ec);
      if (!ec)
        args.insert(args.end(), {"--symlink", target.string(), dir});
    } else if (std::filesystem::is_directory(dir, ec)) {
      args.insert(args.end(), {"--ro-bind", dir, dir});
    }
  }
}

} // namespace

const char* to_string(desktop_network network) {
  switch (network) {
    case desktop_network::isolated:
      return "isolated";
    case desktop_network::none:
      return "none";
    case desktop_network::host:
      return "host";
  }
  return "?";
}

caf::expected<desktop_bind> parse_desktop_bind(const std::string& text) {
  desktop_bind bind;
  auto rest = text;
  if (rest.size() > 3 && rest.compare(rest.size() - 3, 3, ":ro") == 0) {
    bind.read_only = true;
    rest.resize(rest.size() - 3);
  }
  auto colon = rest.find(':');
  if (colon == std::string::npos)
    return refused("--desktop-bind " + text + ": expected SRC:DST or SRC:DST:ro");
  bind.source = rest.substr(0, colon);
  bind.target = rest.substr(colon + 1);
  if (bind.source.empty() || bind.source[0] != '/' || bind.target.empty() || bind.target[0] != '/')
    return refused("--desktop-bind " + text + ": both paths must be absolute");
  if (bind.target.find(':') != std::string::npos)
    return refused("--desktop-bind " + text + ": expected SRC:DST or SRC:DST:ro");
  return bind;
}

caf::expected<desktop_identity> resolve_desktop_identity(const desktop_sandbox_options& options) {
  desktop_identity id;
  id.uid = getuid();
  id.gid = getgid();
  if (id.uid != 0)
    return id; // an ordinary user's desktops are that user, inside a user namespace
  auto* entry = getpwnam(options.user.c_str());
  if (entry == nullptr)
    return refused("--desktop-user " + options.user + ": no such user on this host");
  if (entry->pw_uid == 0)
    return refused("--desktop-user " + options.user
                   + ": desktops never run as root; name an unprivileged user");
  id.uid = entry->pw_uid;
  id.gid = entry->pw_gid;
  id.switch_user = true;
  return id;
}

std::vector<std::string> sandbox_command(const desktop_sandbox_options& options,
                                         const desktop_paths& paths, int info_fd,
                                         const std::vector<std::string>& command) {
  std::vector<std::string> args{"bwrap",
                                "--unshare-user",
                                "--unshare-pid",
                                "--unshare-ipc",
                                "--unshare-uts",
                                "--unshare-cgroup-try",
                                "--disable-userns",
                                "--hostname",
                                "desktop",
                                "--die-with-parent",
                                "--new-session",
                                "--ro-bind",
                                "/usr",
                                "/usr",
                                "--ro-bind",
                                "/etc",
                                "/etc",
                                "--ro-bind-try",
                                "/opt",
                                "/opt",
                                // The font cache: without it every program that uses fontconfig
                                // scans all fonts at start (~0.6 s for the window manager).
                                "--ro-bind-try",
                                "/var/cache/fontconfig",
                                "/var/cache/fontconfig"};
  if (options.network != desktop_network::host)
    args.emplace_back("--unshare-net");
  add_system_dirs(args);
  args.insert(args.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind",
                           paths.x11_dir, "/tmp/.X11-unix", "--ro-bind", paths.authority,
                           sandbox_authority_path, "--dir", sandbox_home});
  for (const auto& bind : options.binds)
    args.insert(args.end(), {bind.read_only ? "--ro-bind" : "--bind", bind.source, bind.target});
  args.insert(args.end(), {"--chdir", sandbox_home, "--info-fd", std::to_string(info_fd), "--"});
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

caf::error check_desktop_sandbox(const desktop_sandbox_options& options) {
  const std::string off = " (or start with --desktop-sandbox off: desktops then run unconfined, "
                          "as the server's user, with the host's files and network)";
  if (!on_path("bwrap"))
    return refused("cannot make a desktop sandbox: bwrap is not installed (Debian package "
                   "bubblewrap)" + off);
  if (options.network == desktop_network::isolated && !on_path("slirp4netns"))
    return refused("cannot give desktops an isolated network: slirp4netns is not installed "
                   "(Debian package slirp4netns; or --desktop-network none|host)");
  if (options.network == desktop_network::isolated && getuid() != 0
      && access("/dev/net/tun", R_OK | W_OK) != 0)
    return refused("cannot give desktops an isolated network: slirp4netns needs /dev/net/tun, "
                   "which this user may not open (or --desktop-network none|host)");
  auto identity = resolve_desktop_identity(options);
  if (!identity)
    return identity.error();
  for (const auto& bind : options.binds)
    if (access(bind.source.c_str(), F_OK) != 0)
      return refused("--desktop-bind: " + bind.source + " does not exist");
  // A throw-away sandbox with the real options, its files in a directory the desktop user may
  // traverse (bwrap mounts them as that user).
  char dir_template[] = "/tmp/cua-sandbox-check-XXXXXX";
  if (mkdtemp(dir_template) == nullptr)
    return refused(std::string("cannot create a temporary directory: ") + std::strerror(errno));
  std::string dir = dir_template;
  chmod(dir.c_str(), 0711);
  desktop_paths paths{dir + "/x11", dir + "/Xauthority"};
  std::filesystem::create_directory(paths.x11_dir);
  std::ofstream(paths.authority).put('\n');
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0)
    return refused(std::string("pipe: ") + std::strerror(errno));
  desktop_process_spec spec;
  spec.argv = sandbox_command(options, paths, 3, {"/bin/true"});
  spec.environment = desktop_environment({});
  spec.identity = *identity;
  spec.fds = {{3, err_pipe[1]}};
  spec.stderr_fd = err_pipe[1];
  auto pid = start_desktop_process(spec);
  close(err_pipe[1]);
  std::string output;
  int status = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool ended = false;
  while (pid > 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd fd{err_pipe[0], POLLIN, 0};
    if (poll(&fd, 1, 20) > 0) {
      char chunk[512];
      auto n = read(err_pipe[0], chunk, sizeof(chunk));
      if (n > 0 && output.size() < 4096)
        output.append(chunk, static_cast<size_t>(n));
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      break;
    }
  }
  if (pid > 0 && !ended) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(err_pipe[0]);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (ended && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return caf::none;
  // bwrap's own words are the first line that is not the info JSON.
  std::string reason;
  for (size_t start = 0; start < output.size();) {
    auto end = output.find('\n', start);
    auto line = output.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.rfind("bwrap:", 0) == 0) {
      reason = line;
      break;
    }
    start = end == std::string::npos ? output.size() : end + 1;
  }
  if (reason.empty())
    reason = !ended ? "bwrap did not finish within 10 s"
                    : "bwrap ended with status " + std::to_string(WEXITSTATUS(status));
  auto blocker = user_namespace_blocker();
  return refused("cannot make a desktop sandbox: " + reason
                 + (blocker.empty() ? "" : "; " + blocker) + off);
}

} // namespace cua
