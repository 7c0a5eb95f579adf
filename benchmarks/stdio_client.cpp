#include "benchmarks/stdio_client.hpp"
#include "util/proc_status.hpp"

#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <algorithm>

namespace cua::bench {

stdio_client::stdio_client(const std::string& command, const std::string& stderr_path) {
  int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  child_process::options how;
  how.argv = {"/bin/sh", "-c", "exec " + command};
  how.stderr_fd = err;
  child_.emplace(how);
  if (err >= 0)
    ::close(err);
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
  child_->write_all(queued_);
  queued_.clear();
}

std::optional<nlohmann::json> stdio_client::next(std::chrono::milliseconds timeout) {
  return child_->next_message(timeout);
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
  child_->stop(std::chrono::seconds(5));
}

long stdio_client::rss_kib() const {
  return std::max(0L, proc_status_field(pid(), "VmRSS"));
}

std::pair<long, long> stdio_client::usage() const {
  auto hwm = std::max(0L, proc_status_field(pid(), "VmHWM"));
  std::ifstream stat("/proc/" + std::to_string(pid()) + "/stat");
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
