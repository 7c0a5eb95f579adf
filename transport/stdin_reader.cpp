#include "transport/stdin_reader.hpp"

#include <cerrno>
#include <vector>

#include <caf/send.hpp>
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "messages/atoms.hpp"
#include "transport/line_splitter.hpp"

namespace cua {

stdin_reader::stdin_reader(int fd, size_t max_line, caf::actor bridge,
                           std::function<void()> on_eof)
  : fd_(fd), max_line_(max_line), bridge_(std::move(bridge)), on_eof_(std::move(on_eof)) {
  if (pipe2(wake_pipe_, O_CLOEXEC) != 0)
    spdlog::error("cannot create the reader's wake-up pipe: errno {}", errno);
}

stdin_reader::~stdin_reader() {
  stop();
  for (auto fd : wake_pipe_)
    if (fd >= 0)
      close(fd);
}

void stdin_reader::start() {
  thread_ = std::thread([this] { run(); });
}

void stdin_reader::stop() {
  if (!thread_.joinable())
    return;
  char byte = 1;
  [[maybe_unused]] auto n = write(wake_pipe_[1], &byte, 1);
  thread_.join();
}

void stdin_reader::run() {
  line_splitter splitter(
    max_line_, [this](std::string line) { caf::anon_send(bridge_, line_atom::value, std::move(line)); },
    [this](size_t size) { caf::anon_send(bridge_, oversize_atom::value, static_cast<uint64_t>(size)); });
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      spdlog::error("polling stdin failed: errno {}", errno);
      break;
    }
    if (fds[1].revents != 0)
      return; // stopped: the server is shutting down
    if (fds[0].revents == 0)
      continue;
    auto n = read(fd_, buffer.data(), buffer.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0)
      break;
    splitter.feed(buffer.data(), static_cast<size_t>(n));
  }
  splitter.finish();
  on_eof_();
}

} // namespace cua
