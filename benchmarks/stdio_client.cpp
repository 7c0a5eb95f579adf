#include "benchmarks/stdio_client.hpp"
#include "util/proc_status.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <algorithm>

namespace cua::bench {

stdio_client::stdio_client(const std::string& command, const std::string& stderr_path) {
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0)
      dup2(err, 2);
    std::string exec_command = "exec " + command;
    execl("/bin/sh", "sh", "-c", exec_command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  in_ = in[1];
  out_ = out[0];
  reader_ = cua::fd_line_reader(out_);
}

stdio_client::~stdio_client() {
  close();
}

void stdio_client::send(const nlohmann::json& message) {
  queue(message);
  flush();
}

void stdio_client::queue(const nlohmann::json& message) {
  queued_ += message.dump();
  queued_ += '\n';
}

void stdio_client::flush() {
  const char* p = queued_.data();
  size_t left = queued_.size();
  while (left > 0) {
    auto n = write(in_, p, left);
    if (n <= 0)
      break;
    p += n;
    left -= static_cast<size_t>(n);
  }
  queued_.clear();
}

std::optional<nlohmann::json> stdio_client::next(std::chrono::milliseconds timeout) {
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
  }
}

std::optional<nlohmann::json> stdio_client::call(const std::string& method, nlohmann::json params,
                                                 std::chrono::milliseconds timeout) {
  auto id = next_id_++;
  send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto message = next(left);
    if (!message)
      return std::nullopt;
    if (message->contains("id") && (*message)["id"] == id && !message->contains("method"))
      return message;
  }
}

void stdio_client::close() {
  if (in_ >= 0) {
    ::close(in_);
    in_ = -1;
  }
  if (pid_ > 0) {
    for (int i = 0; i < 500; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  if (out_ >= 0) {
    ::close(out_);
    out_ = -1;
  }
}

long stdio_client::rss_kib() const {
  return std::max(0L, proc_status_field(pid_, "VmRSS"));
}

std::pair<long, long> stdio_client::usage() const {
  auto hwm = std::max(0L, proc_status_field(pid_, "VmHWM"));
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string text;
  std::getline(stat, text);
  auto close_paren = text.rfind(')');
  std::istringstream rest(close_paren == std::string::npos ? "" : text.substr(close_paren + 2));
  std::string field;
  long utime = 0;
  long stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      utime = std::stol(field);
    if (i == 15)
      stime = std::stol(field);
  }
  auto ticks = sysconf(_SC_CLK_TCK);
  return {hwm, (utime + stime) * 1000 / ticks};
}

} // namespace cua::bench
