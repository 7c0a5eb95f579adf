#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "util/fd_line_reader.hpp"

namespace cua {

/// A program started with pipes on its stdin and stdout, for the clients of our own tests and
/// benchmarks, which talk to the server over them. The program is killed if it is still running
/// when this ends.
class child_process {
public:
  struct options {
    std::vector<std::string> argv;   // argv[0] is the program's path
    std::vector<std::string> env;    // NAME=VALUE, added to this process's environment
    int stderr_fd = -1;              // where its stderr goes (-1: inherited)
    std::optional<uid_t> run_as;     // its uid and group (needs root)
  };

  /// Starts the program; throws std::runtime_error when the pipes cannot be made. A program that
  /// cannot be run exits with 127 (126: run_as failed).
  explicit child_process(const options& how);
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Writes all of `data` to its stdin; returns false (errno set) when it cannot.
  bool write_all(const std::string& data);

  /// Returns the next line on its stdout, or nothing within `timeout` or at the end of output.
  std::optional<std::string> next_line(std::chrono::milliseconds timeout) {
    return reader_.next_line(timeout);
  }

  bool has_line() const { return reader_.has_line(); }

  /// Returns the next JSON message on its stdout, or nothing within `timeout` or at the end of
  /// output; a line that is not JSON is skipped, after `not_json` (if any) is told of it.
  std::optional<nlohmann::json> next_message(
    std::chrono::milliseconds timeout,
    const std::function<void(const std::string&)>& not_json = nullptr);

  /// Returns everything it writes to stdout until it closes it, or until `timeout`.
  std::string read_to_end(std::chrono::milliseconds timeout);

  void close_stdin();

  /// Waits for it to end; returns its exit code (128 + signal if killed), or nothing.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// Closes its stdin, waits up to `grace` for it to end, then kills it.
  void stop(std::chrono::milliseconds grace);

  /// Kills it now (SIGKILL) and reaps it, if it still runs.
  void kill_now();

  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  fd_line_reader reader_{-1};
  std::optional<int> exit_code_;
};

} // namespace cua
