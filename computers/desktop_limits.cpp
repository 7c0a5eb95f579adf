#include "computers/desktop_limits.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <csignal>
#include <cerrno>

#include <unistd.h>

#include "messages/errors.hpp"

namespace cua {

namespace {

namespace fs = std::filesystem;

constexpr const char* controllers[] = {"pids", "memory", "cpu"};

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w)
    if (w == word)
      return true;
  return false;
}

// The N of a "KEY N" line of a cgroup file (memory.events, memory.oom_control, cpu.stat).
std::optional<int64_t> keyed_value(const std::string& file, const std::string& wanted) {
  std::istringstream in(read_file(file));
  std::string key;
  int64_t value = 0;
  while (in >> key >> value)
    if (key == wanted)
      return value;
  return std::nullopt;
}

bool writable_dir(const std::string& dir) {
  return access(dir.c_str(), W_OK) == 0;
}

cgroup_host find_v2(const std::string& root, const std::string& own) {
  cgroup_host host;
  auto parent = root + own;
  auto wanted = [](const std::string& enabled) {
    for (const char* c : controllers)
      if (!has_word(enabled, c))
        return false;
    return true;
  };
  if (!wanted(read_file(parent + "/cgroup.controllers"))) {
    host.why_not = "the server's cgroup " + own + " is not given the pids, memory and cpu controllers";
    return host;
  }
  if (!writable_dir(parent)) {
    host.why_not = "the server may not create cgroups under " + own
                   + " (run it with a delegated cgroup, e.g. systemd's Delegate=yes)";
    return host;
  }
  if (!wanted(read_file(parent + "/cgroup.subtree_control"))) {
    // A group with processes cannot hand controllers to children: the server moves into a leaf
    // of its own first (as container runtimes do).
    auto leaf = parent + "/server";
    std::error_code ec;
    fs::create_directory(leaf, ec);
    if (ec || !write_file(leaf + "/cgroup.procs", std::to_string(getpid()))
        || !write_file(parent + "/cgroup.subtree_control", "+pids +memory +cpu")) {
      host.why_not = "cannot enable the pids, memory and cpu controllers under " + own;
      return host;
    }
  }
  host.kind = cgroup_host::version::v2;
  host.v2_parent = parent;
  return host;
}

} // namespace

cgroup_host find_cgroup_host(const std::string& root, const std::string& self) {
  // Lines "ID:CONTROLLERS:PATH"; v2 has the one line "0::PATH".
  std::istringstream lines(read_file(self));
  std::map<std::string, std::string> v1_paths;
  std::string v2_path;
  bool have_v2_line = false;
  for (std::string line; std::getline(lines, line);) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos)
      continue;
    auto names = line.substr(first + 1, second - first - 1);
    auto path = line.substr(second + 1);
    if (path == "/")
      path.clear();
    if (names.empty()) {
      have_v2_line = true;
      v2_path = path;
      continue;
    }
    std::istringstream list(names);
    for (std::string name; std::getline(list, name, ',');)
      v1_paths[name] = path;
  }
  cgroup_host host;
  if (v1_paths.empty()) {
    if (have_v2_line && fs::exists(root + "/cgroup.controllers"))
      return find_v2(root, v2_path);
    host.why_not = "no cgroup file system at " + root;
    return host;
  }
  for (const char* c : controllers) {
    auto parent = root + "/" + c + v1_paths[c];
    if (v1_paths.count(c) == 0 || !fs::is_directory(parent) || !writable_dir(parent)) {
      host.why_not = std::string("the ") + c + " cgroup " + parent + " is missing or not writable";
      host.v1_parents.clear();
      return host;
    }
    host.v1_parents[c] = parent;
  }
  // CPU accounting (how busy a desktop is, for settling screens) where the host mounts it apart
  // from cpu; co-mounted ("cpu,cpuacct") the cpu group has it already.
  auto acct = root + "/cpuacct" + v1_paths["cpuacct"];
  if (v1_paths.count("cpuacct") != 0 && fs::is_directory(acct) && writable_dir(acct))
    host.v1_parents["cpuacct"] = acct;
  host.kind = cgroup_host::version::v1;
  return host;
}

const cgroup_host& this_cgroup_host() {
  static const cgroup_host host = find_cgroup_host();
  return host;
}

namespace {

// Kills what is left in a dead server's desktop group: a sandbox whose start had not yet tied it
// to its parent's life when the server was killed outlives it (seen: bwrap's own first process,
// re-parented to init). Then removes the group, once the kernel has let the processes go
// (bounded: this runs once, on a computer's own thread, before its first desktop).
void kill_and_remove(const std::string& group) {
  std::ifstream procs(group + "/cgroup.procs");
  long pid = 0;
  bool killed = false;
  while (procs >> pid)
    if (pid > 1)
      killed |= kill(static_cast<pid_t>(pid), SIGKILL) == 0;
  for (int tries = 0; rmdir(group.c_str()) != 0 && errno == EBUSY && killed && tries < 50; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

} // namespace

void remove_abandoned_groups(const cgroup_host& host,
                             const std::function<bool(const std::string&)>& abandoned) {
  std::vector<std::string> parents;
  for (const auto& [controller, parent] : host.v1_parents)
    parents.push_back(parent);
  if (!host.v2_parent.empty())
    parents.push_back(host.v2_parent);
  for (const auto& parent : parents) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec))
      if (entry.is_directory(ec) && abandoned(entry.path().filename().string()))
        kill_and_remove(entry.path().string());
  }
}

desktop_limits::~desktop_limits() {
  remove();
}

caf::error desktop_limits::apply(const cgroup_host& host, const std::string& name,
                                 const desktop_limit_options& options) {
  auto fail = [&](const std::string& what) {
    remove();
    return make_error(errc::computer_failed, "cannot set the desktop's limits: " + what);
  };
  auto make = [&](const std::string& parent) -> std::string {
    auto dir = parent + "/" + name;
    std::error_code ec;
    if (!fs::create_directory(dir, ec))
      return {};
    dirs_.push_back(dir);
    procs_.push_back(dir + "/cgroup.procs");
    return dir;
  };
  auto quota = static_cast<int64_t>(std::llround(options.cpus * 100000));
  if (host.kind == cgroup_host::version::v1) {
    auto pids = make(host.v1_parents.at("pids"));
    auto memory = make(host.v1_parents.at("memory"));
    auto cpu = make(host.v1_parents.at("cpu"));
    if (pids.empty() || memory.empty() || cpu.empty())
      return fail("cannot create its cgroups");
    if (options.max_procs > 0 && !write_file(pids + "/pids.max", std::to_string(options.max_procs)))
      return fail("pids.max");
    if (options.memory_bytes > 0) {
      if (!write_file(memory + "/memory.limit_in_bytes", std::to_string(options.memory_bytes)))
        return fail("memory.limit_in_bytes");
      // With swap, the limit covers it too (where the kernel accounts swap).
      if (fs::exists(memory + "/memory.memsw.limit_in_bytes"))
        write_file(memory + "/memory.memsw.limit_in_bytes", std::to_string(options.memory_bytes));
    }
    if (quota > 0
        && (!write_file(cpu + "/cpu.cfs_period_us", "100000")
            || !write_file(cpu + "/cpu.cfs_quota_us", std::to_string(quota))))
      return fail("cpu.cfs_quota_us");
    memory_events_ = memory + "/memory.oom_control";
    if (fs::exists(cpu + "/cpuacct.usage")) {
      cpu_usage_ = cpu + "/cpuacct.usage";
    } else if (host.v1_parents.count("cpuacct") != 0) {
      auto acct = make(host.v1_parents.at("cpuacct"));
      if (!acct.empty())
        cpu_usage_ = acct + "/cpuacct.usage";
    }
    return caf::none;
  }
  if (host.kind == cgroup_host::version::v2) {
    auto dir = make(host.v2_parent);
    if (dir.empty())
      return fail("cannot create its cgroup");
    if (options.max_procs > 0 && !write_file(dir + "/pids.max", std::to_string(options.max_procs)))
      return fail("pids.max");
    if (options.memory_bytes > 0) {
      if (!write_file(dir + "/memory.max", std::to_string(options.memory_bytes)))
        return fail("memory.max");
      write_file(dir + "/memory.swap.max", "0");
    }
    if (quota > 0 && !write_file(dir + "/cpu.max", std::to_string(quota) + " 100000"))
      return fail("cpu.max");
    memory_events_ = dir + "/memory.events";
    cpu_usage_ = dir + "/cpu.stat";
    cpu_usage_key_ = "usage_usec";
    return caf::none;
  }
  if (options.max_procs > 0)
    rlimits_.emplace_back(RLIMIT_NPROC, static_cast<rlim_t>(options.max_procs));
  if (options.memory_bytes > 0)
    rlimits_.emplace_back(RLIMIT_DATA, static_cast<rlim_t>(options.memory_bytes));
  return caf::none;
}

std::optional<int64_t> desktop_limits::cpu_time_ns() const {
  if (cpu_usage_.empty())
    return std::nullopt;
  if (!cpu_usage_key_.empty()) {
    auto usec = keyed_value(cpu_usage_, cpu_usage_key_);
    return usec ? std::optional<int64_t>(*usec * 1000) : std::nullopt;
  }
  std::ifstream in(cpu_usage_);
  int64_t ns = 0;
  if (in >> ns)
    return ns;
  return std::nullopt;
}

bool desktop_limits::memory_limit_hit() const {
  return !memory_events_.empty() && keyed_value(memory_events_, "oom_kill").value_or(0) > 0;
}

void desktop_limits::remove() {
  // A group goes once its last process has been reaped, which the kernel finishes a moment
  // after the kill: a short, bounded retry.
  for (const auto& dir : dirs_) {
    for (int attempt = 0; attempt < 50 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++attempt)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  dirs_.clear();
  procs_.clear();
  memory_events_.clear();
  cpu_usage_.clear();
  cpu_usage_key_.clear();
}

} // namespace cua
