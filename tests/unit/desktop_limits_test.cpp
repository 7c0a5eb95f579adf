// Where desktops' cgroups go and what is written into them, on cgroup trees the tests lay out in
// temporary directories (a real cgroup file system accepts the same writes).

#include "computers/desktop_limits.hpp"

#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

using namespace cua;
namespace fs = std::filesystem;

namespace {

struct tree {
  test::temp_dir dir{"cua-cgroup-test"};
  fs::path root = dir.path;
  void file(const fs::path& relative, const std::string& text) const {
    fs::create_directories((root / relative).parent_path());
    std::ofstream(root / relative) << text;
  }
  std::string read(const fs::path& relative) const {
    return test::read_whole_file(root / relative);
  }
};

} // namespace

TEST(desktop_limits, cgroup_v1_groups_go_under_the_servers_own_in_each_hierarchy) {
  tree t;
  t.file("self", "12:pids:/svc\n4:memory:/svc/mem\n2:cpu,cpuacct:/\n0::/\n");
  fs::create_directories(t.root / "pids/svc");
  fs::create_directories(t.root / "memory/svc/mem");
  fs::create_directories(t.root / "cpu");
  auto host = find_cgroup_host(t.root.string(), (t.root / "self").string());
  ASSERT_EQ(host.kind, cgroup_host::version::v1) << host.why_not;
  EXPECT_EQ(host.v1_parents.at("memory"), (t.root / "memory/svc/mem").string());
  EXPECT_EQ(host.v1_parents.at("cpu"), (t.root / "cpu").string());
  desktop_limits limits;
  ASSERT_FALSE(limits.apply(host, "cua-desktop-x", {64, int64_t{256} << 20, 1.5}));
  EXPECT_EQ(t.read("pids/svc/cua-desktop-x/pids.max"), "64");
  EXPECT_EQ(t.read("memory/svc/mem/cua-desktop-x/memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(t.read("cpu/cua-desktop-x/cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(t.read("cpu/cua-desktop-x/cpu.cfs_period_us"), "100000");
  ASSERT_EQ(limits.cgroup_procs().size(), 3u);
  EXPECT_EQ(limits.cgroup_procs()[0], (t.root / "pids/svc/cua-desktop-x/cgroup.procs").string());
  EXPECT_TRUE(limits.rlimits().empty());
  EXPECT_FALSE(limits.memory_limit_hit());
  t.file("memory/svc/mem/cua-desktop-x/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  EXPECT_TRUE(limits.memory_limit_hit());
}

TEST(desktop_limits, cgroup_v2_uses_a_delegated_subtree) {
  tree t;
  t.file("self", "0::/user.slice/cua.service\n");
  t.file("cgroup.controllers", "cpuset cpu io memory pids\n");
  t.file("user.slice/cua.service/cgroup.controllers", "cpu memory pids\n");
  t.file("user.slice/cua.service/cgroup.subtree_control", "cpu memory pids\n");
  auto host = find_cgroup_host(t.root.string(), (t.root / "self").string());
  ASSERT_EQ(host.kind, cgroup_host::version::v2) << host.why_not;
  desktop_limits limits;
  ASSERT_FALSE(limits.apply(host, "d1", {100, int64_t{1} << 30, 0.5}));
  EXPECT_EQ(t.read("user.slice/cua.service/d1/pids.max"), "100");
  EXPECT_EQ(t.read("user.slice/cua.service/d1/memory.max"), "1073741824");
  EXPECT_EQ(t.read("user.slice/cua.service/d1/cpu.max"), "50000 100000");
  EXPECT_EQ(limits.cgroup_procs(), std::vector<std::string>{(t.root / "user.slice/cua.service/d1/cgroup.procs").string()});
  // CPU time (for settling screens) and OOM kills come from the group's keyed files.
  t.file("user.slice/cua.service/d1/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
  EXPECT_EQ(limits.cpu_time_ns(), int64_t{1'500'000});
  EXPECT_FALSE(limits.memory_limit_hit());
  t.file("user.slice/cua.service/d1/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  EXPECT_TRUE(limits.memory_limit_hit());
}

TEST(desktop_limits, v2_without_the_controllers_falls_back_to_rlimits_and_says_why) {
  tree t;
  t.file("self", "0::/user.slice\n");
  t.file("cgroup.controllers", "cpu memory pids\n");
  t.file("user.slice/cgroup.controllers", "memory\n");
  auto host = find_cgroup_host(t.root.string(), (t.root / "self").string());
  EXPECT_EQ(host.kind, cgroup_host::version::none);
  EXPECT_NE(host.why_not.find("controllers"), std::string::npos) << host.why_not;
  desktop_limits limits;
  ASSERT_FALSE(limits.apply(host, "d", {32, int64_t{512} << 20, 1}));
  EXPECT_TRUE(limits.cgroup_procs().empty());
  ASSERT_EQ(limits.rlimits().size(), 2u);
  EXPECT_EQ(limits.rlimits()[0], std::make_pair(static_cast<int>(RLIMIT_NPROC), rlim_t{32}));
  EXPECT_EQ(limits.rlimits()[1], std::make_pair(static_cast<int>(RLIMIT_DATA), rlim_t{512} << 20));
}

TEST(desktop_limits, zero_means_no_limit_and_groups_are_removed) {
  tree t;
  t.file("self", "3:pids:/\n2:memory:/\n1:cpu:/\n");
  for (const char* c : {"pids", "memory", "cpu"})
    fs::create_directories(t.root / c);
  auto host = find_cgroup_host(t.root.string(), (t.root / "self").string());
  ASSERT_EQ(host.kind, cgroup_host::version::v1);
  {
    desktop_limits limits;
    ASSERT_FALSE(limits.apply(host, "free", {0, 0, 0}));
    EXPECT_FALSE(fs::exists(t.root / "pids/free/pids.max"));
    EXPECT_FALSE(fs::exists(t.root / "cpu/free/cpu.cfs_quota_us"));
    EXPECT_TRUE(fs::is_directory(t.root / "memory/free"));
  }
  // Gone with the desktop (an empty directory here, as a cgroup whose processes have ended is).
  EXPECT_FALSE(fs::exists(t.root / "memory/free"));
}

TEST(desktop_limits, a_missing_hierarchy_means_no_cgroups) {
  tree t;
  t.file("self", "3:pids:/\n2:memory:/\n");
  fs::create_directories(t.root / "pids");
  fs::create_directories(t.root / "memory");
  auto host = find_cgroup_host(t.root.string(), (t.root / "self").string());
  EXPECT_EQ(host.kind, cgroup_host::version::none);
  EXPECT_NE(host.why_not.find("cpu"), std::string::npos);
}

TEST(desktop_limits, abandoned_groups_are_removed_and_others_kept) {
  tree t;
  t.file("self", "3:pids:/\n2:memory:/\n1:cpu:/\n");
  for (const char* c : {"pids", "memory", "cpu"}) {
    fs::create_directories(t.root / c / "cua-desktop-1-old");
    fs::create_directories(t.root / c / "cua-desktop-2-live");
  }
  auto host = find_cgroup_host(t.root.string(), (t.root / "self").string());
  ASSERT_EQ(host.kind, cgroup_host::version::v1);
  remove_abandoned_groups(host, [](const std::string& name) { return name == "cua-desktop-1-old"; });
  for (const char* c : {"pids", "memory", "cpu"}) {
    EXPECT_FALSE(fs::exists(t.root / c / "cua-desktop-1-old")) << c;
    EXPECT_TRUE(fs::exists(t.root / c / "cua-desktop-2-live")) << c;
  }
}

TEST(desktop_limits, what_a_dead_servers_desktop_left_running_is_killed) {
  tree t;
  t.file("self", "3:pids:/\n2:memory:/\n1:cpu:/\n");
  for (const char* c : {"pids", "memory", "cpu"})
    fs::create_directories(t.root / c / "cua-desktop-1-old");
  auto leftover = fork();
  ASSERT_GE(leftover, 0);
  if (leftover == 0) {
    pause();
    _exit(0);
  }
  // A real cgroup lists its processes in cgroup.procs; this tree has a plain file instead (so
  // the directory itself stays).
  std::ofstream(t.root / "pids" / "cua-desktop-1-old" / "cgroup.procs") << leftover << "\n";
  auto host = find_cgroup_host(t.root.string(), (t.root / "self").string());
  ASSERT_EQ(host.kind, cgroup_host::version::v1);
  remove_abandoned_groups(host, [](const std::string& name) { return name == "cua-desktop-1-old"; });
  int status = 0;
  ASSERT_EQ(waitpid(leftover, &status, 0), leftover);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_FALSE(fs::exists(t.root / "memory" / "cua-desktop-1-old"));
}
