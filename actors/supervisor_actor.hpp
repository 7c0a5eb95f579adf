#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "actors/session_actor.hpp"
#include "messages/session_messages.hpp"

namespace cua {

struct supervisor_config {
  int32_t max_sessions = 10;
  caf::timespan idle_timeout = std::chrono::seconds(600);
  caf::timespan reap_interval = std::chrono::seconds(60);
  caf::timespan close_timeout = std::chrono::seconds(3);
  caf::timespan query_timeout = std::chrono::seconds(2);
  session_config session;
};

struct supervisor_state {
  struct entry {
    caf::actor session;
    uint64_t order = 0;      // creation order, for closing in reverse on shutdown
    caf::actor_addr owner;   // ephemeral sessions end with their owner
  };

  supervisor_config config;
  caf::actor pool;
  std::map<std::string, entry> sessions;
  uint64_t next_order = 1;
  bool shutting_down = false;
  int64_t created = 0;
  int64_t reaped = 0;
  int64_t refused = 0;

  /// Stops every session still alive when the supervisor ends, however it ends.
  ~supervisor_state();

  static inline const char* name = "supervisor";
};

/// Owns the session registry: creates sessions on demand within --max-sessions (refusing past it at
/// once), reaps idle ones, answers stats, closes sessions on request and everything on shutdown.
/// Monitors every session, so a session that dies is forgotten (the pool takes its computer back).
///
/// Messages: (open, id) -> session_handle, for a new session once it has its computer (or the
/// reason it got none); (open, ephemeral) -> session_handle, likewise, closed when the sender stops; (close, id) -> cleanup_report; (stats) -> stats_report; (shutdown) -> unit.
caf::behavior supervisor_actor(caf::stateful_actor<supervisor_state>* self,
                               supervisor_config config, caf::actor pool);

} // namespace cua
