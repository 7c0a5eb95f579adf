#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>

#include <caf/actor.hpp>

namespace cua {

/// Reads MCP messages from a file descriptor (stdin) on a thread of its own, never on CAF's
/// scheduler, and sends each line to the bridge as (line, text), or (oversize, size) for a line
/// over the bound. Calls `on_eof` once the input ends. stop() wakes the thread through a pipe, as a
/// blocking read cannot be interrupted.
class stdin_reader {
public:
  stdin_reader(int fd, size_t max_line, caf::actor bridge, std::function<void()> on_eof);
  ~stdin_reader();

  stdin_reader(const stdin_reader&) = delete;
  stdin_reader& operator=(const stdin_reader&) = delete;

  void start();
  void stop();

private:
  void run();

  int fd_;
  size_t max_line_;
  caf::actor bridge_;
  std::function<void()> on_eof_;
  int wake_pipe_[2] = {-1, -1};
  std::thread thread_;
};

} // namespace cua
