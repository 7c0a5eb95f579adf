#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace cua {

/// Whom a log record is about: a client (an HTTP MCP session; empty for none) and a session of
/// it. The tag travels with the record as its logger's name, so that the records can be routed to
/// the client they concern without reading their text.
struct log_tag {
  std::string client;
  std::string session;

  /// Returns how log lines name the session: its id, and its client when there is one.
  std::string session_name() const;
};

/// The name of the server's untagged logger, and of every tagged one as clients see it.
constexpr std::string_view base_logger_name = "cua";

/// Returns a logger for records about `tag`: the default logger's sinks, level and flush level,
/// under a name that carries the tag.
std::shared_ptr<spdlog::logger> tagged_logger(const log_tag& tag);

/// A tagged logger made on first use (many actors that could log never do).
class tagged_log {
public:
  tagged_log() = default;
  explicit tagged_log(log_tag tag) : tag_(std::move(tag)) {}

  spdlog::logger* operator->() {
    if (!logger_)
      logger_ = tagged_logger(tag_);
    return logger_.get();
  }

  const log_tag& tag() const { return tag_; }

private:
  log_tag tag_;
  std::shared_ptr<spdlog::logger> logger_;
};

/// Returns the tag a logger name carries (none: both empty).
log_tag tag_of_logger(std::string_view name);

} // namespace cua
