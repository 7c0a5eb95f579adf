// Attacks from inside a desktop (the xvfb backend's sandbox), through the built server and real
// Xvfb: each desktop runs tests/e2e/sandbox_probe as its startup program, which tries to reach
// other sessions, the server, the host's files and loopback services, and reports what it could;
// the test checks the outcome from outside too (the host's /tmp, a listener's connections, the
// desktop's uid, the other session still serving).

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"

using namespace cua::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A loopback listener of the host that counts the connections it accepts.
class counting_listener {
public:
  counting_listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(fd_, 16);
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~counting_listener() { close(fd_); }

  int port() const { return port_; }

  int accepted() {
    for (int c; (c = accept(fd_, nullptr, nullptr)) >= 0;) {
      ++accepted_;
      close(c);
    }
    return accepted_;
  }

private:
  int fd_ = -1;
  int port_ = 0;
  int accepted_ = 0;
};

// A directory the probes write to, and the probe binary beside it, both reachable by the
// desktops' unprivileged user (every directory above a bind source must be traversable).
struct probe_dir {
  fs::path root;
  fs::path out;
  fs::path bin;

  probe_dir() {
    char name[] = "/tmp/cua-sandbox-test-XXXXXX";
    root = mkdtemp(name);
    fs::permissions(root, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    out = root / "out";
    bin = root / "bin";
    fs::create_directory(out);
    fs::permissions(out, fs::perms::all);
    fs::create_directory(bin);
    fs::permissions(bin, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec
                           | fs::perms::group_read | fs::perms::others_read);
    fs::copy_file(CUA_SANDBOX_PROBE, bin / "sandbox_probe");
  }
  ~probe_dir() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }

  std::vector<std::string> server_args(const std::string& probe_flags,
                                       std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"--backend", "xvfb", "--window-manager", "", "--pool-warm", "0",
                                  "--screen", "640x480", "--desktop-bind", out.string() + ":/out",
                                  "--desktop-bind", bin.string() + ":/probe:ro",
                                  "--desktop-startup",
                                  "exec /probe/sandbox_probe --out /out " + probe_flags};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  void write_targets(const json& targets) const {
    std::ofstream(out / "targets.part") << targets.dump();
    fs::rename(out / "targets.part", out / "targets.json");
  }

  // Waits for `count` files named PREFIX-*; returns their contents.
  std::vector<std::string> wait_files(const std::string& prefix, size_t count,
                                      std::chrono::seconds bound = std::chrono::seconds(30)) const {
    auto deadline = std::chrono::steady_clock::now() + bound;
    std::vector<std::string> texts;
    while (std::chrono::steady_clock::now() < deadline) {
      texts.clear();
      for (const auto& entry : fs::directory_iterator(out)) {
        auto name = entry.path().filename().string();
        if (name.rfind(prefix + "-", 0) == 0 && entry.path().extension() != ".part") {
          std::ifstream in(entry.path());
          texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
      }
      if (texts.size() >= count)
        return texts;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return texts;
  }

  std::vector<json> wait_reports(size_t count) const {
    std::vector<json> reports;
    for (const auto& text : wait_files("report", count))
      reports.push_back(json::parse(text));
    return reports;
  }
};

std::string uid_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Uid:", 0) == 0)
      return line;
  return {};
}

json screenshot(server_process& server, const std::string& session) {
  return server.call_tool("screenshot_cua", {{"session_id", session}}, std::chrono::seconds(30));
}

// Starts sessions a and b, each on a desktop running the probe, and tells the probes what to
// attack: the server, the test, both desktops' X servers, a loopback listener, host files.
std::vector<json> attack(server_process& server, const probe_dir& dir, counting_listener& listener,
                         const std::string& marker) {
  server.initialize();
  EXPECT_EQ(screenshot(server, "a")["content"][0]["type"], "image");
  EXPECT_EQ(screenshot(server, "b")["content"][0]["type"], "image");
  json pids = {server.pid(), getpid()};
  for (auto pid : server.descendants_named("Xvfb"))
    pids.push_back(pid);
  EXPECT_EQ(pids.size(), 4u) << "two Xvfb expected";
  json paths = {"/root", "/work", fs::current_path().string(), dir.root.string(),
                "/tmp/.X11-unix/X0", "/var/log"};
  for (const auto& entry : fs::directory_iterator("/tmp"))
    if (entry.path().filename().string().rfind("cua-desktop-", 0) == 0)
      paths.push_back(entry.path().string());
  dir.write_targets({{"pids", pids}, {"port", listener.port()}, {"paths", paths}, {"marker", marker}});
  auto reports = dir.wait_reports(2);
  EXPECT_EQ(reports.size(), 2u);
  return reports;
}

} // namespace

TEST(sandbox, a_desktop_reaches_nothing_but_itself) {
  probe_dir dir;
  counting_listener listener;
  auto marker = "cua-probe-marker-" + std::to_string(getpid());
  fs::remove("/tmp/" + marker);
  server_process server(dir.server_args(""));
  auto reports = attack(server, dir, listener, marker);
  ASSERT_EQ(reports.size(), 2u);
  std::set<std::string> displays;
  for (const auto& r : reports) {
    SCOPED_TRACE(r.dump());
    displays.insert(r["display"].get<std::string>());
    // Its own processes only: none of the host's, the server's or the other desktop's.
    EXPECT_TRUE(r["signalled"].empty());
    EXPECT_LT(r["visible_pids"].size(), 12u);
    // None of the host's files, the server's working directory, other desktops' directories.
    EXPECT_TRUE(r["host_paths_seen"].empty());
    EXPECT_EQ(r["cwd"], "/home/desktop");
    // One X socket, its own; no abstract X sockets; every cookie it can find opens its own
    // display and no other.
    EXPECT_EQ(r["x_sockets"], json::array({"X" + r["display"].get<std::string>().substr(1)}));
    EXPECT_TRUE(r["abstract_x_sockets"].empty());
    for (const auto& [file, reached] : r["displays_reached"].items())
      EXPECT_EQ(reached, json::array({std::stoi(r["display"].get<std::string>().substr(1))}))
        << file;
    // The host's loopback is out of reach, directly or through slirp's gateway; the outside
    // has a route.
    EXPECT_FALSE(r["tcp_loopback"]);
    EXPECT_FALSE(r["tcp_host_gateway"]);
    EXPECT_TRUE(r["default_route"]);
    // Its /tmp is its own.
    EXPECT_TRUE(r["tmp_written"]);
    EXPECT_EQ(r["uid"], 65534);
  }
  EXPECT_EQ(displays.size(), 2u);
  EXPECT_EQ(listener.accepted(), 0);
  EXPECT_FALSE(fs::exists("/tmp/" + marker)) << "a desktop wrote into the host's /tmp";
  // From outside: the X servers run as nobody, not as the server's user.
  for (auto pid : server.descendants_named("Xvfb"))
    EXPECT_NE(uid_of(pid).find("65534"), std::string::npos) << uid_of(pid);
  // Both sessions still serve.
  EXPECT_EQ(screenshot(server, "a")["content"][0]["type"], "image");
  EXPECT_EQ(screenshot(server, "b")["content"][0]["type"], "image");
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(sandbox, network_none_has_no_route_and_host_reaches_the_loopback) {
  for (const std::string mode : {"none", "host"}) {
    SCOPED_TRACE(mode);
    probe_dir dir;
    counting_listener listener;
    server_process server(dir.server_args("", {"--desktop-network", mode}));
    auto reports = attack(server, dir, listener, "cua-probe-net-" + std::to_string(getpid()));
    ASSERT_EQ(reports.size(), 2u);
    for (const auto& r : reports) {
      // The probe's connection test is real: under `host` it reaches the listener.
      EXPECT_EQ(r["tcp_loopback"], mode == "host") << r.dump();
      EXPECT_EQ(r["default_route"], mode == "host") << r.dump();
      EXPECT_TRUE(r["signalled"].empty());
      EXPECT_TRUE(r["host_paths_seen"].empty());
    }
    EXPECT_EQ(listener.accepted() > 0, mode == "host");
    auto stats = server.call_tool("get_session_stats")["structuredContent"];
    EXPECT_NE(stats["isolation"].get<std::string>().find("network " + mode), std::string::npos)
      << stats.dump();
  }
}

TEST(sandbox, a_fork_bomb_stays_in_its_desktop) {
  probe_dir dir;
  counting_listener listener;
  server_process server(dir.server_args("--fork-bomb 4", {"--desktop-max-procs", "64"}));
  attack(server, dir, listener, "cua-probe-bomb-" + std::to_string(getpid()));
  // While the bombs go off (both desktops run one), the server answers at once and session b's
  // screen can still be taken.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(server.call_tool("get_session_stats").value("isError", false));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(screenshot(server, "b")["content"][0]["type"], "image");
  auto bombs = dir.wait_files("bomb", 2);
  ASSERT_EQ(bombs.size(), 2u);
  for (const auto& text : bombs) {
    auto bomb = json::parse(text);
    EXPECT_LT(bomb["made"].get<int>(), 64) << text;
    EXPECT_GT(bomb["refused"].get<int>(), 0) << text;
  }
  // The server itself can still start processes: a new session gets a new desktop.
  EXPECT_EQ(screenshot(server, "c")["content"][0]["type"], "image");
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(sandbox, a_memory_hog_is_stopped_at_its_limit) {
  probe_dir dir;
  counting_listener listener;
  server_process server(dir.server_args("--hog 1024", {"--desktop-memory", "192M"}));
  attack(server, dir, listener, "cua-probe-hog-" + std::to_string(getpid()));
  auto hogs = dir.wait_files("hog", 2);
  ASSERT_EQ(hogs.size(), 2u);
  // The hog got no further than its desktop's limit (its last report before the kill).
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (const auto& text : dir.wait_files("hog", 2)) {
    ASSERT_EQ(text.find("all"), std::string::npos) << "the hog got all it asked for: " << text;
    auto digits = text.substr(text.find_first_of("0123456789"));
    EXPECT_LE(std::stoi(digits), 192) << text;
  }
  // The server and the sessions serve on (a desktop whose X server the kernel chose instead is
  // reported and replaced).
  for (const std::string session : {"a", "b"}) {
    auto shot = screenshot(server, session);
    if (shot["isError"] == true) {
      EXPECT_NE(shot["content"][0]["text"].get<std::string>().find("memory limit"), std::string::npos)
        << shot.dump();
      server.call_tool("cleanup_session", {{"session_id", session}});
      shot = screenshot(server, session);
    }
    EXPECT_EQ(shot["content"][0]["type"], "image");
  }
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(sandbox, a_host_that_cannot_sandbox_is_told_why_at_start) {
  // No bwrap on the PATH.
  server_process missing({"--backend", "xvfb"}, {"PATH=/nonexistent"});
  EXPECT_EQ(missing.wait_exit(std::chrono::seconds(10)), 1);
  auto text = missing.stderr_text();
  EXPECT_NE(text.find("bubblewrap"), std::string::npos) << text;
  EXPECT_NE(text.find("--desktop-sandbox off"), std::string::npos) << text;
  // An unknown desktop user.
  server_process unknown({"--backend", "xvfb", "--desktop-user", "no-such-user-here"});
  EXPECT_EQ(unknown.wait_exit(std::chrono::seconds(10)), 1);
  EXPECT_NE(unknown.stderr_text().find("no such user"), std::string::npos) << unknown.stderr_text();
  // Bad flags.
  server_process bind({"--backend", "xvfb", "--desktop-bind", "relative:/x"});
  EXPECT_NE(bind.wait_exit(std::chrono::seconds(10)).value_or(0), 0);
  EXPECT_NE(bind.stderr_text().find("absolute"), std::string::npos) << bind.stderr_text();
}

TEST(sandbox, off_is_warned_at_start_and_in_the_stats) {
  server_process server({"--backend", "xvfb", "--desktop-sandbox", "off", "--window-manager", "",
                         "--desktop-startup", "", "--pool-warm", "0"});
  server.initialize();
  EXPECT_EQ(screenshot(server, "a")["content"][0]["type"], "image");
  EXPECT_NE(server.stderr_text().find("--desktop-sandbox off"), std::string::npos);
  auto stats = server.call_tool("get_session_stats")["structuredContent"];
  ASSERT_EQ(stats["warnings"].size(), 1u) << stats.dump();
  EXPECT_NE(stats["warnings"][0].get<std::string>().find("not isolated"), std::string::npos);
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0);
}

TEST(sandbox, what_a_killed_server_left_is_reclaimed_by_the_next) {
  auto leftovers = [](pid_t server) {
    std::vector<std::string> found;
    auto prefix = "cua-desktop-" + std::to_string(server) + "-";
    for (const auto& entry : fs::directory_iterator("/tmp"))
      if (entry.path().filename().string().rfind(prefix, 0) == 0)
        found.push_back(entry.path().string());
    return found;
  };
  pid_t killed = 0;
  {
    server_process server({"--backend", "xvfb", "--window-manager", "", "--desktop-startup", "",
                           "--pool-warm", "0"});
    server.initialize();
    // Two desktops: the next server takes one display number back by reserving it, the other
    // only by reclaiming what is abandoned.
    EXPECT_EQ(screenshot(server, "a")["content"][0]["type"], "image");
    EXPECT_EQ(screenshot(server, "b")["content"][0]["type"], "image");
    killed = server.pid();
    kill(killed, SIGKILL);
    server.wait_exit(std::chrono::seconds(5));
  }
  // Its desktop died with it (parent-death signals); its files and display link could not go
  // with it.
  ASSERT_EQ(leftovers(killed).size(), 2u);
  auto killed_prefix = "/tmp/cua-desktop-" + std::to_string(killed) + "-";
  auto links_into_it = [&] {
    int found = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/tmp/.X11-unix", ec))
      if (entry.is_symlink(ec)
          && fs::read_symlink(entry.path(), ec).string().rfind(killed_prefix, 0) == 0)
        ++found;
    return found;
  };
  ASSERT_EQ(links_into_it(), 2);
  server_process next({"--backend", "xvfb", "--window-manager", "", "--desktop-startup", "",
                       "--pool-warm", "0"});
  next.initialize();
  EXPECT_EQ(screenshot(next, "a")["content"][0]["type"], "image");
  EXPECT_TRUE(leftovers(killed).empty());
  EXPECT_EQ(links_into_it(), 0);
  next.close_stdin();
  EXPECT_EQ(next.wait_exit(std::chrono::seconds(10)), 0);
  EXPECT_TRUE(leftovers(next.pid()).empty());
}

TEST(sandbox, an_ordinary_users_desktops_run_in_a_user_namespace_of_theirs) {
  if (getuid() != 0)
    GTEST_SKIP() << "switching to an ordinary user needs root";
  const uid_t nobody = 65534;
  std::vector<std::string> bare{"--backend", "xvfb", "--window-manager", "", "--desktop-startup",
                                "", "--pool-warm", "0"};
  // An isolated network needs /dev/net/tun for slirp4netns; where this user may not open it (as
  // on these machines, 0600), the server says so at start.
  server_process isolated(bare, {}, nobody);
  auto isolated_exit = isolated.wait_exit(std::chrono::seconds(3));
  if (isolated_exit) {
    EXPECT_EQ(*isolated_exit, 1);
    EXPECT_NE(isolated.stderr_text().find("/dev/net/tun"), std::string::npos) << isolated.stderr_text();
  }
  auto args = bare;
  args.insert(args.end(), {"--desktop-network", "none"});
  server_process server(args, {}, nobody);
  server.initialize();
  EXPECT_EQ(screenshot(server, "a")["content"][0]["type"], "image");
  auto xvfb = server.descendants_named("Xvfb");
  ASSERT_EQ(xvfb.size(), 1u);
  EXPECT_NE(uid_of(xvfb[0]).find("65534"), std::string::npos);
  // Its own user namespace, not the server's.
  auto ns = [](pid_t pid) { return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/user"); };
  EXPECT_NE(ns(xvfb[0]), ns(server.pid()));
  auto stats = server.call_tool("get_session_stats")["structuredContent"];
  EXPECT_NE(stats["isolation"].get<std::string>().find("user namespace"), std::string::npos)
    << stats.dump();
  server.close_stdin();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0);
}
