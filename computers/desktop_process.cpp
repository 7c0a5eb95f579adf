#include "computers/desktop_process.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char** environ;

namespace cua {

pid_t start_desktop_process(const desktop_process_spec& spec) {
  // Everything the child needs is prepared here: between fork and exec in a threaded process only
  // async-signal-safe calls are allowed (no malloc, no setenv, no formatting).
  std::vector<char*> args;
  for (const auto& a : spec.argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& e : spec.environment)
    env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  int highest = 2;
  for (const auto& [child_fd, ours] : spec.fds)
    highest = std::max(highest, child_fd);
  sigset_t none;
  sigemptyset(&none);
  auto server = getpid();
  auto pid = fork();
  if (pid == 0) {
    setpgid(0, spec.group);
    // Joined while still the server's user: only it may write the group's files.
    for (const auto& procs : spec.cgroup_procs) {
      int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, "0", 1) != 1)
        _exit(126);
      close(fd);
    }
    for (const auto& [resource, value] : spec.rlimits) {
      rlimit limit{value, value};
      setrlimit(resource, &limit);
    }
    if (spec.identity.switch_user) {
      if (setgroups(0, nullptr) != 0 || setresgid(spec.identity.gid, spec.identity.gid,
                                                  spec.identity.gid) != 0
          || setresuid(spec.identity.uid, spec.identity.uid, spec.identity.uid) != 0)
        _exit(126);
    }
    // After the switch of user, which clears it. A server that died before this line sends no
    // signal: the child sees it has been re-parented and goes (else it would be an orphan
    // desktop, seen after a host was stopped while it started desktops).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != server)
      _exit(126);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    // The server's stdout is MCP only, and the desktop's chatter (font warnings, lost connections
    // at teardown) is not the server's to log.
    int devnull = open("/dev/null", O_RDWR);
    // First out of the way of the targets, then into place, then nothing else stays open: a
    // listening socket of the server's must never reach a desktop.
    int parked[16];
    size_t count = std::min(spec.fds.size(), sizeof(parked) / sizeof(parked[0]));
    for (size_t i = 0; i < count; ++i)
      parked[i] = fcntl(spec.fds[i].second, F_DUPFD, highest + 1 + static_cast<int>(count));
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(spec.stderr_fd >= 0 ? spec.stderr_fd : devnull, 2);
    for (size_t i = 0; i < count; ++i)
      dup2(parked[i], spec.fds[i].first);
    syscall(SYS_close_range, highest + 1, ~0U, 0);
    execvpe(args[0], args.data(), env.data());
    _exit(127);
  }
  if (pid > 0)
    setpgid(pid, spec.group == 0 ? pid : spec.group); // also from here: no race with exec
  return pid;
}

std::vector<std::string> desktop_environment(std::vector<std::string> extra) {
  static constexpr const char* kept[] = {"PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM"};
  bool has_path = false;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    auto name = entry.substr(0, entry.find('='));
    if (std::find(std::begin(kept), std::end(kept), name) != std::end(kept)) {
      has_path = has_path || name == "PATH";
      extra.push_back(std::move(entry));
    }
  }
  if (!has_path)
    extra.emplace_back("PATH=/usr/local/bin:/usr/bin:/bin");
  return extra;
}

} // namespace cua
