#include "actors/unexpected_messages.hpp"
#include "transport/stdout_writer.hpp"

#include <cerrno>
#include <string>

#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "messages/atoms.hpp"

namespace cua {

namespace {

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

} // namespace

caf::behavior stdout_writer(caf::stateful_actor<stdout_writer_state>* self, int fd) {
  log_unexpected_messages(self);
  self->state.fd = fd;
  return {
    [=](write_atom, std::string& line) {
      auto& st = self->state;
      if (st.broken)
        return;
      line += '\n';
      if (!write_all(st.fd, line.data(), line.size())) {
        st.broken = true;
        spdlog::warn("stdout is closed (errno {}); dropping further output", errno);
      }
    },
    [=](flush_atom) {},
  };
}

} // namespace cua
