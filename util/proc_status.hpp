#pragma once

#include <string>

#include <sys/types.h>

namespace cua {

/// Returns the number in field `name` of /proc/PID/status ("VmRSS", "VmHWM" in KiB, "Threads"),
/// or -1 when the process or the field is not there. For the tests and the benchmarks that watch
/// a server from outside.
long proc_status_field(pid_t pid, const std::string& name);

} // namespace cua
