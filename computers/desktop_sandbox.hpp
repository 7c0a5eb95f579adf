#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <sys/types.h>

namespace cua {

/// What a sandboxed desktop's network reaches.
enum class desktop_network : uint8_t {
  isolated, // its own network namespace, outside reached through slirp4netns, host loopback not
  none,     // its own network namespace with loopback only
  host,     // the host's network namespace: everything the server reaches
};

/// Returns "isolated", "none" or "host".
const char* to_string(desktop_network network);

/// A host path shared with every desktop (--desktop-bind SRC:DST[:ro]).
struct desktop_bind {
  std::string source;
  std::string target;
  bool read_only = false;
};

/// Parses "SRC:DST[:ro]"; both paths absolute.
caf::expected<desktop_bind> parse_desktop_bind(const std::string& text);

/// How each xvfb desktop is confined (see README, "The desktop sandbox").
struct desktop_sandbox_options {
  bool enabled = true;
  std::string user = "nobody"; // the uid desktops run as when the server runs as root
  desktop_network network = desktop_network::isolated;
  std::vector<desktop_bind> binds;
  int32_t max_procs = 512;                 // processes and threads at most (0: no limit)
  int64_t memory_bytes = int64_t{2} << 30; // memory at most (0: no limit)
  double cpus = 1.0;                       // CPU time at most, in cores (0: no limit)
};

/// Who a desktop's processes are on the host. A server running as root switches to `uid`/`gid`
/// before it starts the sandbox; an ordinary user's server keeps its own ids.
struct desktop_identity {
  uid_t uid = 0;
  gid_t gid = 0;
  bool switch_user = false;
};

/// Returns the identity desktops run as under `options`, or why there is none (an unknown user,
/// or root asked for as the desktop user).
caf::expected<desktop_identity> resolve_desktop_identity(const desktop_sandbox_options& options);

/// Where a desktop's private files are on the host.
struct desktop_paths {
  std::string x11_dir;   // becomes the sandbox's /tmp/.X11-unix (holds its X socket only)
  std::string authority; // becomes the sandbox's authority file
};

/// Where the sandbox sees its authority file, and its HOME.
inline constexpr const char* sandbox_authority_path = "/run/cua/Xauthority";
inline constexpr const char* sandbox_home = "/home/desktop";

/// Returns the bwrap arguments (argv[0] included) that run `command` in a desktop sandbox: the
/// system read-only, a private HOME and /tmp on tmpfs, only this desktop's X socket and cookie,
/// its own PID, IPC, UTS and (unless `host`) network namespaces, a new session, and an end with
/// its parent. `info_fd` is where bwrap reports the sandbox's first process.
std::vector<std::string> sandbox_command(const desktop_sandbox_options& options,
                                         const desktop_paths& paths, int info_fd,
                                         const std::vector<std::string>& command);

/// Checks at start that this host can make a desktop sandbox as `options` asks: bwrap (and
/// slirp4netns for an isolated network) installed, the desktop user known, user namespaces
/// allowed. Runs one throw-away sandbox. The error names the cause and the flag that turns
/// sandboxing off. Blocking; called before the actor system starts.
caf::error check_desktop_sandbox(const desktop_sandbox_options& options);

} // namespace cua
