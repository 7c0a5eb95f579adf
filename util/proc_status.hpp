#pragma once

#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace cua {

/// Returns the number in field `name` of /proc/PID/status ("VmRSS", "VmHWM" in KiB, "Threads"),
/// or -1 when the process or the field is not there. For the tests and the benchmarks that watch
/// a server from outside.
long proc_status_field(pid_t pid, const std::string& name);

/// Returns the fields of /proc/PID/stat from the third (the state) on: [1] is the parent, [11]
/// and [12] the user and system time in clock ticks. Empty when the process is gone.
std::vector<std::string> proc_stat_fields(pid_t pid);

/// Returns every process of this PID namespace with its parent, from /proc/PID/stat.
std::vector<std::pair<pid_t, pid_t>> process_parents();

/// Returns `roots` and every process below them, each once (roots first).
std::vector<pid_t> with_descendants(std::vector<pid_t> roots);

/// The same, from parents already read with process_parents().
std::vector<pid_t> with_descendants(std::vector<pid_t> roots,
                                    const std::vector<std::pair<pid_t, pid_t>>& parents);

} // namespace cua
