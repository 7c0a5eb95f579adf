#pragma once

#include <mutex>

#include <caf/actor.hpp>
#include <spdlog/sinks/base_sink.h>

namespace cua {

/// Forwards the server's log records to the bridge as (log, level, logger, text), where they become
/// notifications/message at or above the level the client set. The bridge decides; the sink only
/// carries.
class mcp_log_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  /// Starts forwarding to `bridge`.
  void attach(caf::actor bridge);

  /// Stops forwarding (at shutdown, before the bridge ends).
  void detach();

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

private:
  caf::actor bridge_;
};

} // namespace cua
