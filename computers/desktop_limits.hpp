#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <sys/resource.h>

namespace cua {

/// What one desktop may use at most; 0 means no limit.
struct desktop_limit_options {
  int32_t max_procs = 0;
  int64_t memory_bytes = 0;
  double cpus = 0;
};

/// The cgroups this host lets the server make for its desktops.
struct cgroup_host {
  enum class version : uint8_t { none, v1, v2 };
  version kind = version::none;
  std::map<std::string, std::string> v1_parents; // controller -> the directory desktops go under
  std::string v2_parent;                         // the directory desktops go under
  std::string why_not;                           // for none: why, for the log
};

/// Finds where desktops' cgroups can go: under the server's own group, in each of the pids,
/// memory and cpu hierarchies (v1, and cpuacct where it is mounted apart), or in its delegated subtree (v2; a server that is the only
/// process of its group moves into a leaf `server` of it so that the subtree can be enabled).
/// `root` is where cgroup file systems are mounted and `self` the process's cgroup file (tests
/// pass their own).
cgroup_host find_cgroup_host(const std::string& root = "/sys/fs/cgroup",
                             const std::string& self = "/proc/self/cgroup");

/// Returns the host's cgroups, found once per process.
const cgroup_host& this_cgroup_host();

/// Removes the desktop groups under `host` whose name `abandoned` picks, after killing what is
/// still in them (a dead server's desktops that outlived it).
void remove_abandoned_groups(const cgroup_host& host,
                             const std::function<bool(const std::string&)>& abandoned);

/// One desktop's limits: its cgroups where the host has them, rlimits where it does not
/// (RLIMIT_NPROC counts every process of the desktop's uid, RLIMIT_DATA each process alone, and
/// there is no CPU limit).
class desktop_limits {
public:
  desktop_limits() = default;
  ~desktop_limits();

  desktop_limits(const desktop_limits&) = delete;
  desktop_limits& operator=(const desktop_limits&) = delete;

  /// Makes the groups of desktop `name` under `host` and writes the limits into them.
  caf::error apply(const cgroup_host& host, const std::string& name,
                   const desktop_limit_options& options);

  /// Returns the cgroup.procs files the desktop's first process joins.
  const std::vector<std::string>& cgroup_procs() const { return procs_; }

  /// Returns the rlimits the desktop's first process sets (when there are no cgroups).
  const std::vector<std::pair<int, rlim_t>>& rlimits() const { return rlimits_; }

  /// Returns the CPU time all of the desktop's processes have used, where its cgroups count it.
  std::optional<int64_t> cpu_time_ns() const;

  /// Returns whether the kernel killed one of the desktop's processes at its memory limit.
  bool memory_limit_hit() const;

  /// Removes the groups, whose processes must have ended (retries briefly while they go).
  void remove();

private:
  std::vector<std::string> dirs_;
  std::vector<std::string> procs_;
  std::vector<std::pair<int, rlim_t>> rlimits_;
  std::string memory_events_; // file with the "oom_kill N" line
  std::string cpu_usage_;     // cpuacct.usage (v1: nanoseconds) or cpu.stat (v2)
  std::string cpu_usage_key_; // its line to read (v2: usage_usec); empty: the file is the number
};

} // namespace cua
