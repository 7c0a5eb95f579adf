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
/// the level; the sink only decides who may read a record at all, by the tag the record carries
/// (util/log_tag.hpp): an HTTP client reads the records tagged with its id, the stdio client all.
class mcp_log_sink final : public spdlog::sinks::base_sink<std::mutex>, public log_tap {
public:
  /// Starts forwarding to `target`: every record when `client` is empty (the one stdio client),
  /// else only the records tagged for `client`, so that no client reads about another's sessions.
  void attach(caf::actor target, std::string client = {});

  /// Stops forwarding to the target of `client` (empty: the stdio client).
  void detach(const std::string& client = {});

  /// Stops forwarding to anyone (at shutdown, before the actors end).
  void detach_all();

  void watch(caf::actor watcher, std::string key, log_tag about) override;
  void unwatch(const std::string& key) override;

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

private:
  struct target {
    caf::actor actor;
    std::string key;       // the client, or "watch:KEY"
    bool everything;       // the stdio client
    log_tag about;         // else: the client, and the session if one is named
  };
  /// Returns whether `t` may read a record tagged `tag`.
  static bool reads(const target& t, const log_tag& tag);

  std::vector<target> targets_;
};

} // namespace cua
