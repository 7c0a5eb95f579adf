#include "util/child_process.hpp"

#include <algorithm>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/write_all.hpp"

namespace cua {

child_process::child_process(const options& how) {
  int in[2];
  int out[2];
  if (how.argv.empty() || pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error("cannot start a child process: no program, or no pipe");
  if (pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error("cannot start a child process: no pipe");
  }
  // Prepared before fork: the child may only call async-signal-safe functions.
  std::vector<char*> argv;
  for (const auto& arg : how.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    if (how.stderr_fd >= 0)
      dup2(how.stderr_fd, 2);
    // Nothing else of the parent (a fake server's listening socket) may live on in the child: it
    // would keep that port open after the parent closed it.
    close_range(3, ~0U, 0);
    for (const auto& e : how.env)
      putenv(const_cast<char*>(e.c_str()));
    if (how.run_as && (setgroups(0, nullptr) != 0 || setresgid(*how.run_as, *how.run_as, *how.run_as) != 0
                       || setresuid(*how.run_as, *how.run_as, *how.run_as) != 0))
      _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  reader_ = fd_line_reader(stdout_fd_);
}

child_process::~child_process() {
  kill_now();
  close_stdin();
  if (stdout_fd_ >= 0)
    ::close(stdout_fd_);
}

bool child_process::write_all(const std::string& data) {
  return cua::write_all(stdin_fd_, data.data(), data.size());
}

std::optional<nlohmann::json> child_process::next_message(
  std::chrono::milliseconds timeout, const std::function<void(const std::string&)>& not_json) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto line = reader_.next_line(std::max(left, std::chrono::milliseconds(0)));
    if (!line)
      return std::nullopt;
    auto message = nlohmann::json::parse(*line, nullptr, false);
    if (!message.is_discarded())
      return message;
    if (not_json)
      not_json(*line);
  }
}

std::string child_process::read_to_end(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text = reader_.take_buffer();
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0)
      continue;
    char chunk[65536];
    auto n = ::read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0)
      break;
    text.append(chunk, static_cast<size_t>(n));
  }
  return text;
}

void child_process::close_stdin() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_ || pid_ <= 0)
    return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void child_process::stop(std::chrono::milliseconds grace) {
  close_stdin();
  if (!wait_exit(grace))
    kill_now();
}

void child_process::kill_now() {
  if (exit_code_ || pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = 128 + SIGKILL;
}

} // namespace cua
