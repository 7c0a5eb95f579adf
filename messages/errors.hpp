#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/timespan.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace cua {

/// Failures that actors report to each other as values. Every one carries a human-readable text
/// in its context (see make_error) that ends up in front of the user unchanged.
enum class errc : uint8_t {
  none = 0,
  session_limit_reached,
  session_evicted, // closed while idle to make room; the next call starts it afresh
  unknown_session,
  session_closing,
  pool_timeout,
  pool_closed,
  computer_failed,
  computer_timeout,
  not_reusable, // a computer that is replaced, never reset
  invalid_action,
  model_failed,
  step_limit_reached,
  task_cancelled,
  shutting_down,
  invalid_arguments,
  internal,
  task_limit_reached, // a client holds as many MCP tasks (or result bytes) as it may
  session_paused, // an operator holds the session's screen (the live view)
};

/// Returns the short name of an error code, e.g. "session_limit_reached".
const char* to_string(errc code);

/// Returns an error of `code` that explains itself with `text`.
caf::error make_error(errc code, std::string text);

/// Returns the pool_timeout error of a borrower that waited `waited` in vain, saying `why` no
/// computer came free and what the user can do about it.
caf::error pool_timeout_error(caf::timespan waited, const std::string& why);

/// Returns the text a user should read for `err`, whatever its category.
std::string describe(const caf::error& err);

/// Registers the renderer for our error category with an actor system configuration.
void add_error_category(caf::actor_system_config& cfg);

} // namespace cua

CAF_ERROR_CODE_ENUM(cua::errc, "cua")
