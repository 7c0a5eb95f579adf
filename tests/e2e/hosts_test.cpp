// Computers on other machines: fronts and computer hosts (--role host), each the built binary, on
// loopback, joined through CAF's middleman.

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/server_process.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/loopback_ports.hpp"
#include "tests/support/prometheus_checks.hpp"

using namespace cua::test;
using nlohmann::json;

namespace {

std::string secret_file(const std::string& secret) {
  static int made = 0;
  auto path = "/tmp/cua-e2e-secret-" + std::to_string(getpid()) + "-" + std::to_string(++made);
  std::ofstream(path) << secret << "\n";
  return path;
}

const std::vector<std::string> sim_computers{"--backend", "sim", "--settle-ms", "0"};

// Bare X desktops (no window manager or terminal: they start fastest), each in its sandbox.
const std::vector<std::string> xvfb_desktops{"--backend", "xvfb", "--window-manager", "",
                                             "--desktop-startup", "", "--screen", "800x600"};

/// A computer host (sim computers unless told otherwise) on a loopback port of its own.
struct host_node {
  int port = unused_loopback_port();
  std::unique_ptr<server_process> process;
  std::vector<std::string> backend;

  explicit host_node(const std::string& secret_path, int pool_size = 2,
                     std::vector<std::string> backend_flags = sim_computers)
    : backend(std::move(backend_flags)) {
    start(secret_path, pool_size);
  }

  void start(const std::string& secret_path, int pool_size = 2) {
    std::vector<std::string> args{"--role", "host", "--node-listen",
                                  "127.0.0.1:" + std::to_string(port), "--node-secret-file",
                                  secret_path, "--pool-size", std::to_string(pool_size),
                                  "--pool-warm", "0"};
    args.insert(args.end(), backend.begin(), backend.end());
    process = std::make_unique<server_process>(args);
    for (int i = 0; i < 200 && !loopback_port_accepts(port); ++i)
      std::this_thread::sleep_for(25ms);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  void kill_now() {
    ::kill(process->pid(), SIGKILL);
    process->wait_exit(5s);
  }
};

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

// Waits until `text` shows (`times` times) in what `process` wrote to stderr.
bool stderr_shows(server_process& process, const std::string& text, std::chrono::milliseconds bound,
                  size_t times = 1) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (occurrences(process.stderr_text(), text) >= times)
      return true;
    std::this_thread::sleep_for(25ms);
  }
  return false;
}

std::unique_ptr<server_process> front(const std::vector<std::string>& hosts,
                                      const std::string& secret_path) {
  std::string list;
  for (const auto& h : hosts)
    list += (list.empty() ? "" : ",") + h;
  auto process = std::make_unique<server_process>(std::vector<std::string>{
    "--hosts", list, "--node-secret-file", secret_path, "--host-timeout", "3",
    "--acquire-timeout", "5"});
  process->initialize();
  return process;
}

// Returns the computer id (HOST:PORT/ID) of the session, from get_session_stats.
std::string computer_of(server_process& server, const std::string& session) {
  auto stats = server.call_tool("get_session_stats")["structuredContent"];
  return stats["sessions"].value(session, json::object()).value("computer", "");
}

} // namespace

TEST(hosts, sessions_spread_over_two_hosts_and_a_killed_host_fails_only_its_own) {
  auto secret = secret_file("a shared secret");
  host_node a{secret};
  host_node b{secret};
  auto server = front({a.address(), b.address()}, secret);
  ASSERT_TRUE(stderr_shows(*server, "host " + a.address() + " joined", 5s)) << server->stderr_text();
  ASSERT_TRUE(stderr_shows(*server, "host " + b.address() + " joined", 5s)) << server->stderr_text();
  // Each new computer goes to the host with the most free room: one each.
  for (auto id : {"s1", "s2"}) {
    auto shot = server->call_tool("screenshot_cua", {{"session_id", id}});
    ASSERT_FALSE(shot.value("isError", false)) << shot.dump();
  }
  auto on_1 = computer_of(*server, "s1");
  auto on_2 = computer_of(*server, "s2");
  EXPECT_NE(on_1.substr(0, on_1.find('/')), on_2.substr(0, on_2.find('/'))) << on_1 << " " << on_2;
  auto stats = server->call_tool("get_session_stats")["structuredContent"];
  EXPECT_EQ(stats["pool"]["size"], 4); // both hosts' pools
  EXPECT_EQ(stats["pool"]["in_use"], 2);
  ASSERT_EQ(stats["hosts"].size(), 2u) << stats.dump();
  for (const auto& h : stats["hosts"]) {
    EXPECT_EQ(h["state"], "joined");
    EXPECT_EQ(h["capacity"], 2);
    EXPECT_EQ(h["in_use"], 1);
    EXPECT_GE(h.value("round_trip_ms", -1.0), 0.0);
  }
  // Host a dies: only the session on it fails, and says so; the other goes on; a new session is
  // placed on b.
  auto on_a = on_1.rfind(a.address(), 0) == 0 ? "s1" : "s2";
  auto on_b = std::string{on_a} == "s1" ? "s2" : "s1";
  a.kill_now();
  ASSERT_TRUE(stderr_shows(*server, "host " + a.address() + " lost", 5s)) << server->stderr_text();
  auto failed = server->call_tool("computer", {{"session_id", on_a}, {"action", "screenshot"}}, 15s);
  EXPECT_TRUE(failed.value("isError", false)) << failed.dump();
  // It says which computer, on which host.
  EXPECT_NE(failed["content"][0].value("text", "").find(a.address() + "/sim-"), std::string::npos)
    << failed.dump();
  auto fine = server->call_tool("computer", {{"session_id", on_b}, {"action", "screenshot"}});
  EXPECT_FALSE(fine.value("isError", false)) << fine.dump();
  auto fresh = server->call_tool("screenshot_cua", {{"session_id", "s3"}});
  EXPECT_FALSE(fresh.value("isError", false)) << fresh.dump();
  EXPECT_EQ(computer_of(*server, "s3").rfind(b.address(), 0), 0u);
  auto after = server->call_tool("get_session_stats")["structuredContent"];
  for (const auto& h : after["hosts"])
    if (h["address"] == a.address()) {
      EXPECT_NE(h["state"], "joined");
      EXPECT_FALSE(h.value("last_error", "").empty()) << h.dump();
    }
  // The host comes back on its port and is joined again (first backoff: 1 s).
  a.start(secret);
  EXPECT_TRUE(stderr_shows(*server, "host " + a.address() + " joined: 2 computers", 10s, 2))
    << server->stderr_text();
}

TEST(hosts, a_front_without_the_secret_gets_no_computer) {
  host_node host{secret_file("the right one")};
  auto server = front({host.address()}, secret_file("a wrong one"));
  ASSERT_TRUE(stderr_shows(*host.process, "refused", 5s)) << host.process->stderr_text();
  auto shot = server->call_tool("screenshot_cua", {{"session_id", "s1"}});
  EXPECT_TRUE(shot.value("isError", false));
  EXPECT_NE(shot["content"][0].value("text", "").find("no computer host is reachable"),
            std::string::npos)
    << shot.dump();
  // The secret itself is never written anywhere.
  EXPECT_EQ(host.process->stderr_text().find("the right one"), std::string::npos);
  EXPECT_EQ(server->stderr_text().find("a wrong one"), std::string::npos);
}

TEST(hosts, a_front_that_dies_gives_its_computers_back) {
  auto secret = secret_file("s");
  host_node host{secret};
  auto server = front({host.address()}, secret);
  ASSERT_TRUE(stderr_shows(*server, "joined", 5s)) << server->stderr_text();
  auto shot = server->call_tool("screenshot_cua", {{"session_id", "s1"}});
  ASSERT_FALSE(shot.value("isError", false)) << shot.dump();
  ::kill(server->pid(), SIGKILL);
  server->wait_exit(5s);
  EXPECT_TRUE(stderr_shows(*host.process, "taken back from a borrower that stopped", 5s))
    << host.process->stderr_text();
}

TEST(hosts, a_host_beyond_loopback_needs_a_secret) {
  server_process host({"--role", "host", "--backend", "sim", "--node-listen", "0.0.0.0:0"});
  EXPECT_EQ(host.wait_exit(10s), 1);
  EXPECT_NE(host.stderr_text().find("needs --node-secret-file"), std::string::npos)
    << host.stderr_text();
}

TEST(hosts, a_host_that_stops_answering_is_dropped_within_the_host_timeout) {
  auto secret = secret_file("s");
  host_node a{secret};
  host_node b{secret};
  auto server = front({a.address(), b.address()}, secret); // --host-timeout 3
  ASSERT_TRUE(stderr_shows(*server, "joined", 5s, 2)) << server->stderr_text();
  for (auto id : {"s1", "s2"})
    ASSERT_FALSE(server->call_tool("screenshot_cua", {{"session_id", id}}).value("isError", false));
  auto on_a = computer_of(*server, "s1").rfind(a.address(), 0) == 0 ? "s1" : "s2";
  ::kill(a.process->pid(), SIGSTOP);
  auto stopped = std::chrono::steady_clock::now();
  EXPECT_TRUE(stderr_shows(*server, "host " + a.address() + " lost", 8s)) << server->stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 6s);
  auto failed = server->call_tool("computer", {{"session_id", on_a}, {"action", "screenshot"}}, 15s);
  EXPECT_TRUE(failed.value("isError", false)) << failed.dump();
  EXPECT_NE(failed["content"][0].value("text", "").find(a.address()), std::string::npos)
    << failed.dump();
  auto fresh = server->call_tool("screenshot_cua", {{"session_id", "s3"}});
  EXPECT_FALSE(fresh.value("isError", false)) << fresh.dump();
  ::kill(a.process->pid(), SIGCONT);
}

TEST(hosts, a_front_that_stops_answering_loses_its_computers_within_the_host_timeout) {
  auto secret = secret_file("s");
  host_node host{secret};
  host.process.reset();
  host.process = std::make_unique<server_process>(std::vector<std::string>{
    "--role", "host", "--backend", "sim", "--node-listen", host.address(), "--node-secret-file",
    secret, "--pool-warm", "0", "--host-timeout", "2"});
  for (int i = 0; i < 200 && !loopback_port_accepts(host.port); ++i)
    std::this_thread::sleep_for(25ms);
  auto server = front({host.address()}, secret);
  ASSERT_TRUE(stderr_shows(*server, "joined", 5s)) << server->stderr_text();
  ASSERT_FALSE(server->call_tool("screenshot_cua", {{"session_id", "s1"}}).value("isError", false));
  ::kill(server->pid(), SIGSTOP);
  EXPECT_TRUE(stderr_shows(*host.process, "taken back from a borrower that stopped", 6s))
    << host.process->stderr_text();
  ::kill(server->pid(), SIGCONT);
}

namespace {

// A throw-away CA with a certificate for each of `names`, and a rogue CA's certificate ("bad").
std::string make_node_certificates(const std::vector<std::string>& names) {
  char dir_template[] = "/tmp/cua-e2e-node-tls-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  auto run = [&](const std::string& command) {
    EXPECT_EQ(std::system(("cd " + dir + " && " + command + " >/dev/null 2>&1").c_str()), 0) << command;
  };
  for (auto ca : {"ca", "rogue"})
    run(std::string{"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN="} + ca
        + " -keyout " + ca + ".key -out " + ca + ".pem");
  auto issue = [&](const std::string& name, const std::string& ca) {
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + name + " -keyout " + name + ".key -out "
        + name + ".csr");
    run("openssl x509 -req -days 2 -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca
        + ".key -CAcreateserial -out " + name + ".pem");
  };
  for (const auto& name : names)
    issue(name, "ca");
  issue("bad", "rogue");
  return dir;
}

std::vector<std::string> tls_flags(const std::string& dir, const std::string& name) {
  return {"--node-ca-file", dir + "/ca.pem", "--node-cert-file", dir + "/" + name + ".pem",
          "--node-key-file", dir + "/" + name + ".key"};
}

} // namespace

TEST(hosts, over_tls_only_a_peer_with_a_certificate_of_the_ca_gets_in) {
  auto dir = make_node_certificates({"host", "front"});
  auto secret = secret_file("s");
  auto port = unused_loopback_port();
  auto address = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> host_args{"--role", "host", "--backend", "sim", "--node-listen", address,
                                     "--node-secret-file", secret, "--pool-warm", "0"};
  auto with = [](std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  server_process host(with(host_args, tls_flags(dir, "host")));
  ASSERT_TRUE(stderr_shows(host, "TLS with peer certificates", 5s)) << host.stderr_text();
  std::vector<std::string> front_args{"--hosts", address, "--node-secret-file", secret,
                                      "--host-timeout", "3"};
  {
    server_process good(with(front_args, tls_flags(dir, "front")));
    good.initialize();
    auto shot = good.call_tool("screenshot_cua", {{"session_id", "s1"}});
    EXPECT_FALSE(shot.value("isError", false)) << shot.dump() << good.stderr_text();
  }
  for (auto args : {with(front_args, tls_flags(dir, "bad")), front_args}) {
    server_process rogue(args); // a certificate of another CA; no TLS at all
    rogue.initialize();
    auto shot = rogue.call_tool("screenshot_cua", {{"session_id", "s1"}});
    EXPECT_TRUE(shot.value("isError", false)) << shot.dump();
    EXPECT_NE(shot["content"][0].value("text", "").find("no computer host is reachable"),
              std::string::npos)
      << shot.dump();
  }
  EXPECT_EQ(occurrences(host.stderr_text(), "joined"), 1u) << host.stderr_text();
  std::system(("rm -rf " + dir).c_str());
}

TEST(hosts, tls_needs_all_three_files) {
  server_process front({"--hosts", "127.0.0.1:1", "--node-ca-file", "/etc/hostname"});
  EXPECT_NE(front.wait_exit(10s), 0);
  EXPECT_NE(front.stderr_text().find("needs all three"), std::string::npos) << front.stderr_text();
}

TEST(hosts, local_computers_beside_a_host) {
  auto secret = secret_file("s");
  host_node host{secret, 1};
  server_process server({"--hosts", host.address(), "--node-secret-file", secret, "--backend",
                         "sim", "--local-computers", "1", "--pool-warm", "0"});
  server.initialize();
  ASSERT_TRUE(stderr_shows(server, "joined", 5s)) << server.stderr_text();
  for (auto id : {"s1", "s2"})
    ASSERT_FALSE(server.call_tool("screenshot_cua", {{"session_id", id}}).value("isError", false));
  std::set<std::string> places;
  for (auto id : {"s1", "s2"}) {
    auto computer = computer_of(server, id);
    places.insert(computer.substr(0, computer.find('/')));
  }
  EXPECT_EQ(places, (std::set<std::string>{"local", host.address()}));
}

TEST(hosts, local_computers_need_hosts) {
  server_process server({"--backend", "sim", "--local-computers", "2"});
  EXPECT_NE(server.wait_exit(10s), 0);
  EXPECT_NE(server.stderr_text().find("--local-computers goes with --hosts"), std::string::npos)
    << server.stderr_text();
}

TEST(hosts, a_front_over_http_shows_each_host_in_its_metrics) {
  auto secret = secret_file("metrics secret");
  host_node a{secret};
  host_node b{secret};
  server_process server{{"--transport", "http", "--listen", "127.0.0.1:0", "--hosts",
                         a.address() + "," + b.address(), "--node-secret-file", secret,
                         "--host-timeout", "3"}};
  ASSERT_TRUE(stderr_shows(server, "host " + a.address() + " joined", 5s)) << server.stderr_text();
  ASSERT_TRUE(stderr_shows(server, "host " + b.address() + " joined", 5s)) << server.stderr_text();
  // The hosts may join before the listener says it is ready (slow under the sanitizers).
  ASSERT_TRUE(stderr_shows(server, "ready on http://", 10s)) << server.stderr_text();
  std::smatch m;
  auto log = server.stderr_text();
  ASSERT_TRUE(std::regex_search(log, m, std::regex{R"(ready on http://127\.0\.0\.1:(\d+)/mcp)"}))
    << log;
  auto port = std::stoi(m[1]);
  auto scrape = [port] {
    connection c(port);
    auto a = c.send(http::verb::get, "", {}, "/metrics");
    EXPECT_EQ(a.status, 200) << a.body;
    std::vector<std::string> problems;
    read_prometheus(a.body, problems);
    EXPECT_TRUE(problems.empty()) << a.body << ::testing::PrintToString(problems);
    return a.body;
  };
  auto host = [](const host_node& h) { return "host=\"" + h.address() + "\""; };
  auto text = scrape();
  for (const auto* h : {&a, &b}) {
    EXPECT_EQ(prometheus_value(text, "cua_host_up", host(*h)), 1) << text;
    EXPECT_EQ(prometheus_value(text, "cua_host_capacity", host(*h)), 2) << text;
    EXPECT_GE(prometheus_value(text, "cua_host_round_trip_seconds", host(*h)).value_or(-1), 0);
  }
  EXPECT_EQ(prometheus_value(text, "cua_pool_size"), 4);
  a.kill_now();
  ASSERT_TRUE(stderr_shows(server, "host " + a.address() + " lost", 5s)) << server.stderr_text();
  text = scrape();
  EXPECT_EQ(prometheus_value(text, "cua_host_up", host(a)), 0) << text;
  EXPECT_EQ(prometheus_value(text, "cua_host_up", host(b)), 1) << text;
}

// Real desktops on two hosts: a SIGKILLed host leaves no Xvfb behind (its sandboxes die with it)
// and fails only its own session; a SIGKILLed front's desktop is destroyed by its host within the
// host timeout.
TEST(hosts, xvfb_desktops_outlive_neither_their_host_nor_their_front) {
  auto secret = secret_file("xvfb secret");
  host_node a{secret, 2, xvfb_desktops};
  host_node b{secret, 2, xvfb_desktops};
  auto server = front({a.address(), b.address()}, secret); // --host-timeout 3
  ASSERT_TRUE(stderr_shows(*server, "joined", 5s, 2)) << server->stderr_text();
  for (auto id : {"s1", "s2"}) {
    auto shot = server->call_tool("screenshot_cua", {{"session_id", id}}, 30s);
    ASSERT_EQ(shot["content"][0]["type"], "image") << shot.dump().substr(0, 500);
    EXPECT_EQ(png_size(shot["content"][0]["data"]), std::make_pair(800, 600));
  }
  // One desktop on each host (placement by free room), and only those (no spares: --pool-warm 0).
  auto on_a = a.process->descendants_named("Xvfb");
  auto on_b = b.process->descendants_named("Xvfb");
  ASSERT_EQ(on_a.size(), 1u);
  ASSERT_EQ(on_b.size(), 1u);
  auto session_on_a = computer_of(*server, "s1").rfind(a.address(), 0) == 0 ? "s1" : "s2";
  auto session_on_b = std::string{session_on_a} == "s1" ? "s2" : "s1";

  a.kill_now();
  auto gone = [](pid_t pid, std::chrono::milliseconds bound) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(25ms);
    return ::kill(pid, 0) != 0;
  };
  EXPECT_TRUE(gone(on_a[0], 5s)) << "Xvfb " << on_a[0] << " outlived its host";
  auto failed = server->call_tool("computer", {{"session_id", session_on_a}, {"action", "screenshot"}}, 15s);
  EXPECT_TRUE(failed.value("isError", false)) << failed.dump().substr(0, 500);
  EXPECT_NE(failed["content"][0].value("text", "").find(a.address()), std::string::npos)
    << failed.dump().substr(0, 500);
  auto fine = server->call_tool("computer", {{"session_id", session_on_b}, {"action", "screenshot"}});
  EXPECT_FALSE(fine.value("isError", false)) << fine.dump().substr(0, 500);

  ::kill(server->pid(), SIGKILL);
  server->wait_exit(5s);
  EXPECT_TRUE(gone(on_b[0], 6s)) << "Xvfb " << on_b[0] << " outlived its front by more than the bound";
  EXPECT_EQ(::kill(b.process->pid(), 0), 0) << "the host goes on";
}

namespace {

std::string read_log(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `command` through the shell; returns whether it succeeded (saying why not on stderr).
bool shell(const std::string& command) {
  auto status = std::system((command + " >/tmp/cua-e2e-shell.log 2>&1").c_str());
  if (status != 0)
    std::cerr << "`" << command << "` failed: " << read_log("/tmp/cua-e2e-shell.log") << "\n";
  return status == 0;
}

// A host in a network namespace of its own, reached from the test's namespace over a veth pair
// (10.213.PID%250.1 here, .2 there): taking the link down is a partition in which packets
// vanish and no connection is reset, as when a cable or a switch goes. Needs root and iproute2.
struct partitioned_link {
  std::string ns = "cua-e2e-" + std::to_string(getpid());
  std::string near_end = "cuaf" + std::to_string(getpid() % 100000);
  std::string far_end = "cuah" + std::to_string(getpid() % 100000);
  std::string prefix = "10.213." + std::to_string(getpid() % 250) + ".";
  bool ready = false;
  std::string why_not; // the step that failed

  partitioned_link() {
    if (geteuid() != 0 || access("/usr/sbin/ip", X_OK) != 0) {
      why_not = "needs root and /usr/sbin/ip (iproute2)";
      return;
    }
    auto in_ns = "/usr/sbin/ip netns exec " + ns + " /usr/sbin/ip ";
    for (const auto& step :
         {"/usr/sbin/ip netns add " + ns,
          "/usr/sbin/ip link add " + near_end + " type veth peer name " + far_end,
          "/usr/sbin/ip link set " + far_end + " netns " + ns,
          "/usr/sbin/ip addr add " + prefix + "1/30 dev " + near_end,
          "/usr/sbin/ip link set " + near_end + " up", in_ns + "addr add " + prefix + "2/30 dev " + far_end,
          in_ns + "link set " + far_end + " up", in_ns + "link set lo up"})
      if (!shell(step)) {
        why_not = "could not make the network namespace: `" + step + "` failed";
        return;
      }
    ready = true;
  }

  ~partitioned_link() {
    // The veth pair goes with the namespace; its near end is deleted too in case the move failed.
    for (const auto& step : {"/usr/sbin/ip netns del " + ns, "/usr/sbin/ip link del " + near_end})
      [[maybe_unused]] auto ignored = std::system((step + " >/dev/null 2>&1").c_str());
  }

  std::vector<std::string> launcher() const { return {"/usr/sbin/ip", "netns", "exec", ns}; }
  std::string host_address() const { return prefix + "2:4242"; }
  bool cut() const { return shell("/usr/sbin/ip link set " + near_end + " down"); }
  bool heal() const { return shell("/usr/sbin/ip link set " + near_end + " up"); }
};

} // namespace

TEST(hosts, a_partition_fails_the_far_hosts_sessions_within_the_timeout_and_heals_by_itself) {
  partitioned_link link;
  if (!link.ready)
    GTEST_SKIP() << link.why_not;
  auto secret = secret_file("partition secret");
  server_process host{{"--role", "host", "--backend", "sim", "--settle-ms", "0", "--node-listen",
                       link.host_address(), "--node-secret-file", secret, "--pool-size", "2",
                       "--pool-warm", "0", "--host-timeout", "3"},
                      {},
                      std::nullopt,
                      link.launcher()};
  host_node near{secret};
  auto server = front({link.host_address(), near.address()}, secret); // --host-timeout 3
  ASSERT_TRUE(stderr_shows(*server, "host " + link.host_address() + " joined", 10s))
    << server->stderr_text() << host.stderr_text();
  ASSERT_TRUE(stderr_shows(*server, "host " + near.address() + " joined", 5s));
  for (auto id : {"s1", "s2"})
    ASSERT_FALSE(server->call_tool("screenshot_cua", {{"session_id", id}}).value("isError", false));
  auto far_session = computer_of(*server, "s1").rfind(link.host_address(), 0) == 0 ? "s1" : "s2";
  auto near_session = std::string{far_session} == "s1" ? "s2" : "s1";
  ASSERT_EQ(computer_of(*server, far_session).rfind(link.host_address(), 0), 0u);

  ASSERT_TRUE(link.cut());
  auto cut_at = std::chrono::steady_clock::now();
  // Both sides notice within the bound: the front loses the host, the host takes back the
  // front's computer.
  EXPECT_TRUE(stderr_shows(*server, "host " + link.host_address() + " lost", 8s))
    << server->stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - cut_at, 7s);
  EXPECT_TRUE(stderr_shows(host, "taken back", 8s)) << host.stderr_text();
  auto failed = server->call_tool("computer", {{"session_id", far_session}, {"action", "screenshot"}}, 15s);
  EXPECT_TRUE(failed.value("isError", false)) << failed.dump();
  EXPECT_NE(failed["content"][0].value("text", "").find(link.host_address()), std::string::npos)
    << failed.dump();
  auto fine = server->call_tool("computer", {{"session_id", near_session}, {"action", "screenshot"}});
  EXPECT_FALSE(fine.value("isError", false)) << fine.dump();

  // Healed: the front reconnects by itself (backoff) and places computers there again.
  ASSERT_TRUE(link.heal());
  EXPECT_TRUE(stderr_shows(*server, "host " + link.host_address() + " joined", 40s, 2))
    << server->stderr_text();
  server->call_tool("cleanup_session", {{"session_id", far_session}});
  auto again = server->call_tool("screenshot_cua", {{"session_id", "s3"}});
  EXPECT_FALSE(again.value("isError", false)) << again.dump();
  EXPECT_EQ(computer_of(*server, "s3").rfind(link.host_address(), 0), 0u)
    << "the healed host has the most free room";
}
