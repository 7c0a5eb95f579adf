#include "computers/x_display_reservation.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "messages/errors.hpp"

namespace cua {

namespace {

constexpr int first_number = 10;
constexpr int last_number = 10000;

std::string lock_path(int n) {
  return "/tmp/.X" + std::to_string(n) + "-lock";
}

std::string link_path(int n) {
  return "/tmp/.X11-unix/X" + std::to_string(n);
}

// Whether an X server of this network namespace listens on the abstract socket of display n
// (Xlib tries that one before the file, so it must be free too).
bool abstract_socket_taken(int n) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  auto name = link_path(n);
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  bool taken = connect(fd, reinterpret_cast<sockaddr*>(&address), length) == 0;
  close(fd);
  return taken;
}

// Whether the process that wrote lock file `path` still runs.
bool holder_alive(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0)
    return true; // being written, or not ours to judge
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Creates the lock of display n, taking back one whose writer has ended.
bool lock(int n) {
  auto path = lock_path(n);
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd >= 0) {
      char text[16];
      auto length = std::snprintf(text, sizeof(text), "%10d\n", static_cast<int>(getpid()));
      bool ok = write(fd, text, static_cast<size_t>(length)) == length;
      close(fd);
      return ok;
    }
    if (errno != EEXIST || holder_alive(path))
      return false;
    // A crashed server's: its link (if it is a link) goes with it.
    struct stat link_stat{};
    if (lstat(link_path(n).c_str(), &link_stat) == 0 && S_ISLNK(link_stat.st_mode))
      unlink(link_path(n).c_str());
    unlink(path.c_str());
  }
  return false;
}

} // namespace

x_display_reservation::~x_display_reservation() {
  release();
}

caf::error x_display_reservation::reserve(const std::string& socket_dir) {
  release();
  if (mkdir("/tmp/.X11-unix", 01777) == 0)
    chmod("/tmp/.X11-unix", 01777); // as X servers make it, whatever the umask
  for (int n = first_number; n <= last_number; ++n) {
    struct stat existing{};
    if (lstat(link_path(n).c_str(), &existing) == 0 && access(lock_path(n).c_str(), F_OK) != 0)
      continue; // a socket of a server that keeps no lock
    if (!lock(n))
      continue;
    if (abstract_socket_taken(n)
        || symlink((socket_dir + "/X" + std::to_string(n)).c_str(), link_path(n).c_str()) != 0) {
      unlink(lock_path(n).c_str());
      continue;
    }
    number_ = n;
    return caf::none;
  }
  return make_error(errc::computer_failed, "no free X display number between "
                                             + std::to_string(first_number) + " and "
                                             + std::to_string(last_number));
}

void x_display_reservation::reclaim_abandoned(const std::string& desktop_dir_prefix) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp/.X11-unix", ec)) {
    auto name = entry.path().filename().string();
    if (name.size() < 2 || name[0] != 'X' || name.find_first_not_of("0123456789", 1) != std::string::npos
        || !entry.is_symlink(ec))
      continue;
    auto n = std::stoi(name.substr(1));
    auto target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (ec || target.rfind(desktop_dir_prefix, 0) != 0 || holder_alive(lock_path(n)))
      continue;
    unlink(link_path(n).c_str());
    unlink(lock_path(n).c_str());
  }
}

void x_display_reservation::release() {
  if (number_ < 0)
    return;
  unlink(link_path(number_).c_str());
  unlink(lock_path(number_).c_str());
  number_ = -1;
}

} // namespace cua
