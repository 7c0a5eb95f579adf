#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <nlohmann/json.hpp>

// Parsed JSON travels between the actors of one process that speak MCP (transport, bridge, calls,
// the sampling provider), so that no message is parsed twice. It never crosses machines: the
// protocols at the pool/computer boundary carry typed values only.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nlohmann::json)
