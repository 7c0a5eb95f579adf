// The attacker of the sandbox tests: started as a desktop's startup program, it tries from inside
// the desktop what a hostile page or a prompt-injected agent would try, and writes what it could
// do to a directory the test shares with it (--desktop-bind DIR:/out). The test reads the report
// and checks the outcome from outside as well.
//
//   sandbox_probe --out /out [--fork-bomb SECONDS] [--hog MB]
//
// It waits (at most 60 s) for /out/targets.json from the test: {"pids": [...] (host processes to
// signal), "port": N (a loopback listener of the host), "paths": [...] (host files to look for),
// "marker": "NAME" (a file to create in /tmp)}.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <X11/Xauth.h>
#include <X11/Xlib.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string out_dir = "/out";
std::string tag;

void write_atomically(const std::string& name, const std::string& text) {
  auto path = out_dir + "/" + name;
  {
    std::ofstream out(path + ".part");
    out << text;
  }
  std::rename((path + ".part").c_str(), path.c_str());
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  if (auto* d = opendir(dir.c_str())) {
    while (auto* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        names.emplace_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Whether `path` holds an X authority entry with a cookie.
bool is_authority_file(const std::string& path) {
  auto* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return false;
  auto* entry = XauReadAuth(file);
  std::fclose(file);
  bool cookie = entry != nullptr && std::string(entry->name, entry->name_length) == "MIT-MAGIC-COOKIE-1";
  if (entry != nullptr)
    XauDisposeAuth(entry);
  return cookie;
}

// Every X authority file in the places one would look (symbolic links not followed).
void find_authority_files(const std::string& dir, int depth, std::vector<std::string>& found) {
  if (depth > 5 || found.size() > 100)
    return;
  for (const auto& name : list_dir(dir)) {
    auto path = dir + (dir == "/" ? "" : "/") + name;
    struct stat info{};
    if (lstat(path.c_str(), &info) != 0)
      continue;
    if (S_ISREG(info.st_mode) && info.st_size < 65536 && is_authority_file(path))
      found.push_back(path);
    if (S_ISDIR(info.st_mode) && path != "/proc" && path != "/sys" && path != "/dev"
        && path != "/usr")
      find_authority_files(path, depth + 1, found);
  }
}

bool tcp_connects(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 1500) > 0) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      ok = err == 0;
    }
  }
  close(fd);
  return ok;
}

bool abstract_x_socket(int n) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  auto name = "/tmp/.X11-unix/X" + std::to_string(n);
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), len) == 0;
  close(fd);
  return ok;
}

// Displays :0 to :99 that accept us with the authority file `authority`.
std::vector<int> displays_reached(const std::string& authority) {
  setenv("XAUTHORITY", authority.c_str(), 1);
  std::vector<int> reached;
  for (int n = 0; n < 100; ++n) {
    auto name = ":" + std::to_string(n);
    if (auto* d = XOpenDisplay(name.c_str())) {
      reached.push_back(n);
      XCloseDisplay(d);
    }
  }
  return reached;
}

bool has_default_route() {
  std::ifstream routes("/proc/net/route");
  std::string line;
  std::getline(routes, line);
  while (std::getline(routes, line)) {
    std::istringstream fields(line);
    std::string iface;
    std::string destination;
    fields >> iface >> destination;
    if (destination == "00000000")
      return true;
  }
  return false;
}

void fork_bomb(double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int made = 0;
  int refused = 0;
  while (std::chrono::steady_clock::now() < end) {
    auto pid = fork();
    if (pid == 0) {
      // Children that stay, as a real bomb's do; and fork on themselves.
      for (int i = 0; i < 1000; ++i)
        if (fork() < 0)
          pause();
      pause();
      _exit(0);
    }
    if (pid > 0)
      ++made;
    else
      ++refused;
  }
  write_atomically("bomb-" + tag + ".json", json{{"made", made}, {"refused", refused}}.dump());
}

void hog(int64_t megabytes) {
  std::vector<char*> blocks;
  for (int64_t mb = 16; mb <= megabytes; mb += 16) {
    auto* block = static_cast<char*>(std::malloc(16 << 20));
    if (block == nullptr) {
      write_atomically("hog-" + tag + ".txt", "refused at " + std::to_string(mb - 16));
      return;
    }
    std::memset(block, 0x5a, 16 << 20);
    blocks.push_back(block);
    write_atomically("hog-" + tag + ".txt", std::to_string(mb));
  }
  write_atomically("hog-" + tag + ".txt", "all " + std::to_string(megabytes));
}

} // namespace

int main(int argc, char** argv) {
  double bomb_seconds = 0;
  int64_t hog_mb = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--out")
      out_dir = argv[i + 1];
    else if (flag == "--fork-bomb")
      bomb_seconds = std::atof(argv[i + 1]);
    else if (flag == "--hog")
      hog_mb = std::atoll(argv[i + 1]);
  }
  std::random_device device;
  tag = std::to_string(device());
  // A window of its own, as any desktop program shows: the server waits for the first window
  // before it calls a desktop ready.
  Display* own = XOpenDisplay(nullptr);
  if (own != nullptr) {
    auto window = XCreateSimpleWindow(own, DefaultRootWindow(own), 0, 0, 64, 64, 0, 0, 0x336699);
    XMapWindow(own, window);
    XFlush(own);
  }
  json targets;
  for (int i = 0; i < 600 && targets.is_null(); ++i) {
    std::ifstream in(out_dir + "/targets.json");
    if (in)
      targets = json::parse(in, nullptr, false);
    if (targets.is_discarded())
      targets = nullptr;
    if (targets.is_null())
      std::this_thread::sleep_for(100ms);
  }
  if (targets.is_null())
    return 1;
  json report;
  report["display"] = std::getenv("DISPLAY") != nullptr ? std::getenv("DISPLAY") : "";
  report["uid"] = getuid();
  report["cwd"] = get_current_dir_name();
  std::vector<int> pids;
  for (const auto& name : list_dir("/proc"))
    if (name.find_first_not_of("0123456789") == std::string::npos)
      pids.push_back(std::stoi(name));
  report["visible_pids"] = pids;
  json signalled = json::array();
  for (const auto& pid : targets.value("pids", json::array()))
    if (kill(pid.get<pid_t>(), 0) == 0 || errno == EPERM)
      signalled.push_back(pid);
  report["signalled"] = signalled;
  json seen = json::array();
  for (const auto& path : targets.value("paths", json::array()))
    if (access(path.get<std::string>().c_str(), F_OK) == 0)
      seen.push_back(path);
  report["host_paths_seen"] = seen;
  report["tmp"] = list_dir("/tmp");
  report["x_sockets"] = list_dir("/tmp/.X11-unix");
  json abstract = json::array();
  for (int n = 0; n < 100; ++n)
    if (abstract_x_socket(n))
      abstract.push_back(n);
  report["abstract_x_sockets"] = abstract;
  std::vector<std::string> authorities;
  find_authority_files("/", 0, authorities);
  report["authority_files"] = authorities;
  json reached = json::object();
  auto own_authority = std::getenv("XAUTHORITY") != nullptr ? std::string(std::getenv("XAUTHORITY"))
                                                            : std::string();
  if (std::find(authorities.begin(), authorities.end(), own_authority) == authorities.end())
    authorities.push_back(own_authority);
  for (const auto& file : authorities)
    reached[file] = displays_reached(file);
  report["displays_reached"] = reached;
  int port = targets.value("port", 0);
  report["tcp_loopback"] = port > 0 && tcp_connects("127.0.0.1", port);
  report["tcp_host_gateway"] = port > 0 && tcp_connects("10.0.2.2", port);
  report["default_route"] = has_default_route();
  auto marker = targets.value("marker", std::string("cua-probe-marker"));
  report["tmp_written"] = static_cast<bool>(std::ofstream("/tmp/" + marker) << "written by the probe");
  write_atomically("report-" + tag + ".json", report.dump());
  if (bomb_seconds > 0)
    fork_bomb(bomb_seconds);
  if (hog_mb > 0)
    hog(hog_mb);
  pause();
  return 0;
}
