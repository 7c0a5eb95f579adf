#pragma once

#include <cstddef>
#include <string>

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "mcp/resource_requests.hpp"

namespace cua {

struct screen_watch_config {
  resource_sources from;
  std::string session_id;
  caf::actor writer; // where notifications/resources/updated go
  /// How often the screen is looked at; also the most notifications a second it can cause.
  caf::timespan interval = std::chrono::milliseconds(500);
};

struct screen_watch_state {
  screen_watch_config config;
  uint64_t picture = 0; // the number of the picture last seen (0: none yet)
  bool looking = false;
  static inline const char* name = "screen_watch";
};

/// One subscription to a session's screen (resources/subscribe of cua://sessions/{id}/screen):
/// asks every interval whether the screen still shows the picture it last saw (a frame, as the
/// live view's: a look from outside, so the session stays idle; a still screen is not even
/// captured where the backend knows it is still) and tells the client
/// notifications/resources/updated when it does not, so at most one notification an interval,
/// and none while the screen does not change. Ends when killed (unsubscribe, the client's end) or
/// when the session is gone.
caf::behavior screen_watch_actor(caf::stateful_actor<screen_watch_state>* self,
                                 screen_watch_config config);

} // namespace cua
