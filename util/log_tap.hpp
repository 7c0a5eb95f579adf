#pragma once

#include <string>

#include <caf/actor.hpp>

#include "util/log_tag.hpp"

namespace cua {

/// Where the server's log records can be tapped: a running call watches the records about its
/// session, to pass them to a client that asked for them with its request (protocol 2026-07-28's
/// per-request log level). The tap sends (log, level, logger, text) to the watcher.
class log_tap {
public:
  virtual ~log_tap() = default;

  /// Sends `watcher` every record tagged for session `about` (client and session), until
  /// unwatch(key).
  virtual void watch(caf::actor watcher, std::string key, log_tag about) = 0;

  /// Stops what watch(..., key, ...) started.
  virtual void unwatch(const std::string& key) = 0;
};

} // namespace cua
