#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <nlohmann/json.hpp>

// Parsed JSON travels between the actors of one process that speak MCP (transport, bridge, calls,
// the sampling provider), so that no message is parsed twice. It never crosses machines: the
// protocols at the pool/computer boundary carry typed values only.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nlohmann::json)

#include <caf/expected.hpp>
#include <caf/result.hpp>

namespace cua {

/// Returns `value` as a handler's answer. Not `return value;`: caf::result<json> builds its value
/// as json{value}, which nlohmann reads as an array holding `value`.
inline caf::result<nlohmann::json> json_answer(nlohmann::json value) {
  return caf::result<nlohmann::json>{caf::expected<nlohmann::json>{std::move(value)}};
}

} // namespace cua
