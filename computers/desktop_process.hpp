#pragma once

#include <string>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <sys/types.h>

#include "computers/desktop_sandbox.hpp"

namespace cua {

/// A program a desktop starts on the host (Xvfb or bwrap, slirp4netns), and how.
struct desktop_process_spec {
  std::vector<std::string> argv;          // argv[0] is looked up on PATH
  std::vector<std::string> environment;   // the whole environment ("NAME=value"): nothing inherited
  std::vector<std::pair<int, int>> fds;   // {fd in the child, fd of ours}; every other fd is closed
  pid_t group = 0;                        // process group to join (0: a group of its own)
  desktop_identity identity;              // whom to become first, if switch_user
  std::vector<std::string> cgroup_procs;  // cgroup.procs files the process joins before it starts
  std::vector<std::pair<int, rlim_t>> rlimits; // e.g. {RLIMIT_NPROC, 512}
  int stderr_fd = -1;                     // where its stderr goes (-1: /dev/null, as stdin and stdout)
};

/// Starts a process as `spec` says: in its process group, with the parent-death signal SIGKILL
/// (it ends with the thread that started it, even if the server is killed), signals unblocked,
/// no descriptor of the server's but those asked for. Returns its pid, or -1 with errno set.
pid_t start_desktop_process(const desktop_process_spec& spec);

/// Returns the environment a desktop's programs get: PATH, the locale and TERM of the server's
/// environment and nothing else (no API keys, no tokens), plus `extra`.
std::vector<std::string> desktop_environment(std::vector<std::string> extra);

} // namespace cua
