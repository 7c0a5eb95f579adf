#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/timespan.hpp>

#include "actors/session_actor.hpp"
#include "messages/session_messages.hpp"

namespace cua {

struct supervisor_config {
  int32_t max_sessions = 10;
  int32_t max_sessions_per_client = 0; // 0: as many as max_sessions
  caf::timespan idle_timeout = std::chrono::seconds(600);
  /// When a new session would pass max_sessions, a session idle this long (of another client
  /// whose sessions are all that idle) is closed to make room; 0: never.
  caf::timespan evict_idle = std::chrono::seconds(60);
  caf::timespan reap_interval = std::chrono::seconds(60);
  caf::timespan close_timeout = std::chrono::seconds(3);
  caf::timespan query_timeout = std::chrono::seconds(2);
  session_config session;
};

/// A session is known by its client and its id: two clients may both name a session "a".
using session_key = std::pair<std::string, std::string>; // client, session id

struct supervisor_state {
  struct entry {
    session_api session;
    uint64_t order = 0;      // creation order, for closing in reverse on shutdown
    caf::actor_addr owner;   // ephemeral sessions end with their owner
  };

  supervisor_config config;
  pool_api pool;
  std::map<session_key, entry> sessions;
  /// What the supervisor knows of a client beyond its id: the label that logs and the audit name
  /// it by, and a session limit of its own (its token's max-sessions; 0: the server's).
  struct client_entry {
    std::string label;
    int32_t max_sessions = 0;
  };
  std::map<std::string, client_entry> clients; // gone when the client leaves
  uint64_t next_order = 1;
  bool shutting_down = false;
  int64_t created = 0;
  int64_t reaped = 0;
  int64_t refused = 0;
  int64_t evicted = 0;

  /// Why each evicted session ended, for its client's next call with its id (which hears it once).
  /// Bounded: the oldest are forgotten first.
  std::map<session_key, std::string> eviction_notes;
  std::deque<session_key> eviction_order;

  /// Stats answers waiting for the pool's figures. One query is out at a time; those who come
  /// while it is out wait for the next, so every answer has figures asked after it was asked for,
  /// and a hundred stats calls in flight cost two pool queries, not a hundred.
  using pool_waiter = std::function<void(const std::optional<pool_stats>&)>;
  std::vector<pool_waiter> next_pool_query;
  bool pool_query_out = false;

  /// Stops every session still alive when the supervisor ends, however it ends.
  ~supervisor_state();

  static inline const char* name = "supervisor";
};

/// Owns the session registry: creates sessions on demand within --max-sessions and
/// --max-sessions-per-client, reaps idle ones, answers stats, closes sessions on request and
/// everything on shutdown. Past the per-client limit a new session is refused at once; past
/// max_sessions, the longest-idle session of another client whose sessions have all been idle for
/// evict_idle (no task running) is closed to make room, and without one the refusal is at once too.
/// An evicted session's client hears why on its next call with that id; the call after starts it
/// afresh. Monitors every session, so a session that dies
/// is forgotten (the pool takes its computer back).
///
/// Every session belongs to the client (MCP connection) that opened it; a client sees, uses and
/// closes only its own, and another client's session is, to it, a session that does not exist.
///
/// Messages: (open, client, id) -> session_handle, for a new session once it has its computer (or
/// the reason it got none); (open_ephemeral, client) -> session_handle, likewise, for a session
/// with a fresh id, closed when the sender stops; (close, client, id) -> cleanup_report; (leave,
/// client) -> int32_t, the number of that client's sessions it closed (the client has gone); (idle,
/// client) -> int64_t, how long (ms) all of that client's sessions have been idle (0 while one
/// runs a task or does not answer; INT64_MAX when it has none); (stats, client) ->
/// stats_report with that client's sessions and the server's totals; (overview) -> the same with
/// every client's sessions, for the live view; (rights, client, label, n) names a client and gives
/// it a session limit of its own (its token's max-sessions=, within the server's; 0: none);
/// (shutdown) -> unit.
supervisor_api::behavior_type supervisor_actor(supervisor_api::stateful_pointer<supervisor_state> self,
                               supervisor_config config, pool_api pool);

} // namespace cua
