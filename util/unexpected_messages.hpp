#pragma once

#include <caf/fwd.hpp>

namespace cua {

/// Makes `self` log a message it has no handler for (to stderr, through spdlog) and drop it,
/// instead of CAF's default of printing it to stdout, which carries MCP messages only.
void log_unexpected_messages(caf::scheduled_actor* self);

} // namespace cua
