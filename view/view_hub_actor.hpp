#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "messages/audit_messages.hpp"
#include "messages/session_messages.hpp"
#include "transport/http_exchange.hpp"

namespace cua {

struct view_config {
  bool read_only = false;      // --view-read-only: watching only
  bool token_required = false; // the page must log in (it asks /view/api/status)
  double fps = 5;              // --view-fps: the most frames a second per watched screen
  /// A frame request is held at most this long for a new picture, then answered 204.
  caf::timespan frame_wait = std::chrono::seconds(20);
  /// A frame or an operator's action the session does not answer in this long fails.
  caf::timespan action_timeout = std::chrono::seconds(40);
};

struct view_hub_state {
  /// A session as the page addresses it: by a key of the hub's, which does not show the client's
  /// Mcp-Session-Id (a credential of that client).
  struct session_ref {
    std::string client;
    std::string id;
  };

  struct frame_waiter {
    exchange_ptr exchange;
    uint64_t after = 0; // the picture the page has
    caf::actor_clock::time_point deadline;
  };

  /// A screen someone watches: its latest picture, and the requests waiting for a newer one.
  struct watch {
    std::vector<frame_waiter> waiters;
    uint64_t picture = 0; // 0: none yet
    std::string jpeg;
    int32_t width = 0;
    int32_t height = 0;
    bool asking = false;    // a frame request is out to the session
    bool scheduled = false; // a delayed ask is pending (the frame rate's bound)
    caf::actor_clock::time_point last_asked;
    caf::actor_clock::time_point last_wanted;
  };

  view_config config;
  supervisor_api supervisor;
  audit_api audit; // none without --audit-log
  std::map<uint64_t, exchange_ptr> streams; // SSE streams of open pages, by exchange id
  std::string snapshot;                     // the overview last sent to them
  bool overview_out = false;                // an overview request is on its way
  bool overview_again = false;              // something changed while it was
  std::map<std::string, session_ref> sessions;                         // by key
  std::map<std::pair<std::string, std::string>, std::string> key_of; // (client, id) -> key
  uint64_t next_key = 1;
  std::map<std::string, watch> watches; // by key
  bool ticking = false;
  int64_t ticks = 0;

  static inline const char* name = "view_hub";
};

/// The live view's API (/view/api/..., let in by the HTTP transport): the overview of every
/// session as an SSE stream (sent when it changes, looked at once a second while a page is open),
/// each screen's latest picture as a held frame request (asked of the session at most `fps` times
/// a second, only while a page waits for one, and only a new picture is sent), and the operator's
/// take-over: pause, resume, act (a computer action while paused), end the task, clean up.
///
/// Messages: (view, http_view_request), answered on its exchange; (hangup, exchange id) from the
/// transport when a page goes away. Its own: (tick), (frame, key).
///
/// Every operation the operator asks (done or refused) goes to `audit`, if there is one, as an
/// `operator_action` record: which operation on whose session, the action's arguments for "act",
/// how it ended and how long it took.
caf::behavior view_hub_actor(caf::stateful_actor<view_hub_state>* self, supervisor_api supervisor,
                             view_config config, audit_api audit = {});

} // namespace cua
