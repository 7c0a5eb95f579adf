#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "util/child_process.hpp"

namespace cua::bench {

/// An MCP client over a child process's stdin/stdout: starts `command` with /bin/sh, writes
/// requests, reads messages (stderr goes to `stderr_path`).
class stdio_client {
public:
  stdio_client(const std::string& command, const std::string& stderr_path = "/dev/null");
  ~stdio_client();

  stdio_client(const stdio_client&) = delete;
  stdio_client& operator=(const stdio_client&) = delete;

  /// Writes `message` now.
  void send(const nlohmann::json& message);

  /// Adds `message` to what the next flush() writes: a pipelining client writes many requests
  /// with one system call, as the server's answers also come many to a read.
  void queue(const nlohmann::json& message);

  /// Writes what queue() collected.
  void flush();

  /// Returns whether a whole message is already read, so next() needs no system call.
  bool has_message() const { return child_->has_line(); }

  /// Returns the next line the server wrote, or nothing within `timeout` (or at end of output).
  std::optional<std::string> next_line(std::chrono::milliseconds timeout) {
    return child_->next_line(timeout);
  }

  /// Returns the next message, or nothing within `timeout` (or at end of output).
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout);

  /// Sends a request and waits for its response, dropping notifications.
  std::optional<nlohmann::json> call(const std::string& method, nlohmann::json params,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// Closes stdin and waits (bounded) for the child to end.
  void close();

  pid_t pid() const { return child_->pid(); }

  /// Returns the child's peak RSS so far in KiB (VmHWM) and its CPU time in ms (user + system).
  std::pair<long, long> usage() const;

  /// Returns the child's resident memory now, in KiB (VmRSS).
  long rss_kib() const;

private:
  std::optional<cua::child_process> child_;
  long next_id_ = 1;
  std::string queued_;
};

} // namespace cua::bench
