#pragma once

#include <cstddef>
#include <optional>
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
  std::optional<size_t> last; // the hash of the screen last seen
  bool looking = false;
  static inline const char* name = "screen_watch";
};

/// One subscription to a session's screen (resources/subscribe of cua://sessions/{id}/screen):
/// looks at the screen every interval (as a look from outside: the session stays idle) and tells
/// the client notifications/resources/updated when it differs from the last look, so at most one
/// notification an interval, and none while the screen does not change. Ends when killed
/// (unsubscribe, the client's end) or when the session is gone.
caf::behavior screen_watch_actor(caf::stateful_actor<screen_watch_state>* self,
                                 screen_watch_config config);

} // namespace cua
