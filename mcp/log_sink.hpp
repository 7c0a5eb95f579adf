#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <spdlog/sinks/base_sink.h>

#include "mcp/protocol.hpp"
#include "util/log_tap.hpp"

namespace cua {

/// Returns the MCP level of a log record of spdlog level `spd_level` (none for "off").
std::optional<mcp::log_level> mcp_level_of(int32_t spd_level);

/// Returns notifications/message for a log record, for a client that asked for records at
/// `wanted` or above; none when the record is below it.
std::optional<std::string> log_notification(int32_t spd_level, const std::string& logger,
                                            const std::string& text, mcp::log_level wanted);

/// Forwards the server's log records to clients as (log, level, logger, text), where their bridge
/// turns them into notifications/message at or above the level the client set. The bridge decides
/// the level; the sink only decides who may read a record at all.
class mcp_log_sink final : public spdlog::sinks::base_sink<std::mutex>, public log_tap {
public:
  /// Starts forwarding to `target`: every record when `client` is empty (the one stdio client),
  /// else only records that name "client CLIENT", so that no client reads about another's
  /// sessions.
  void attach(caf::actor target, std::string client = {});

  /// Stops forwarding to the target of `client` (empty: the stdio client).
  void detach(const std::string& client = {});

  /// Stops forwarding to anyone (at shutdown, before the actors end).
  void detach_all();

  void watch(caf::actor watcher, std::string key, std::string mention) override;
  void unwatch(const std::string& key) override;

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

private:
  struct target {
    caf::actor actor;
    std::string client;
    std::string mention; // "client CLIENT"
  };
  std::vector<target> targets_;
};

} // namespace cua
