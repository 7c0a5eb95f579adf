#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/tool.hpp"
#include "messages/session_messages.hpp"

// What several tools share: the session a call works on, and common argument schemas.

namespace cua {

/// Returns the session_id argument of the call, or the connection's default session.
std::string session_id_of(tool_context& ctx);

/// Opens the session the call names (or the default one; without either, a new one whose id the
/// result names) and runs `next` with it; on failure the call ends with the supervisor's
/// explanation.
void with_session(tool_context& ctx, std::function<void(const session_handle&)> next);

/// Returns the schema fragment of the optional session_id argument.
nlohmann::json session_id_property();

/// Returns the schema fragment of the optional screenshot format argument (png, jpeg).
nlohmann::json format_property();

/// Returns the call's screenshot format argument (checked against format_property() already).
image_format format_of(tool_context& ctx);

} // namespace cua
