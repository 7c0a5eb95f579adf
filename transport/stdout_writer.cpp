#include "transport/stdout_writer.hpp"

#include <cerrno>
#include <string>

#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "util/unexpected_messages.hpp"
#include "util/write_all.hpp"

namespace cua {

caf::behavior stdout_writer(caf::stateful_actor<stdout_writer_state>* self, int fd) {
  log_unexpected_messages(self);
  self->state.fd = fd;
  auto write_pending = [self] {
    auto& st = self->state;
    if (!st.broken && !write_all(st.fd, st.pending.data(), st.pending.size())) {
      st.broken = true;
      spdlog::warn("stdout is closed (errno {}); dropping further output", errno);
    }
    st.pending.clear();
  };
  return {
    [=](write_atom, const outbound_line& line) {
      auto& st = self->state;
      if (st.broken)
        return;
      st.pending += line.text;
      st.pending += '\n';
      // The last message of a burst always finds the mailbox empty, so nothing waits for long.
      constexpr size_t most_pending = 256 * 1024;
      if (self->mailbox().empty() || st.pending.size() >= most_pending)
        write_pending();
    },
    [=](flush_atom) { write_pending(); },
  };
}

} // namespace cua
