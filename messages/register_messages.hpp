#pragma once

#include <caf/fwd.hpp>

namespace cua {

/// Names every message type and our error category in `cfg`, so that they print, serialize and can
/// later cross the network.
void register_messages(caf::actor_system_config& cfg);

} // namespace cua
