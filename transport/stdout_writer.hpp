#pragma once

#include <string>

#include <caf/stateful_actor.hpp>

namespace cua {

struct stdout_writer_state {
  int fd = 1;
  bool broken = false; // the reader went away; further output is dropped
  std::string pending;  // lines not written yet: written together once the mailbox is empty
  static inline const char* name = "stdout_writer";
};

/// The one writer of MCP messages: (write, outbound_line) writes its text and a newline to `fd`, whole, in
/// the order received; (flush) answers once everything before it is written. Lines that arrive
/// together go out in one write (fewer system calls and wake-ups for the client under load). Its
/// writes block, so it is spawned detached.
caf::behavior stdout_writer(caf::stateful_actor<stdout_writer_state>* self, int fd);

} // namespace cua
