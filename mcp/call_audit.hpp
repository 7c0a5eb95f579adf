#pragma once

#include <chrono>
#include <string>

#include <caf/actor_clock.hpp>
#include <nlohmann/json.hpp>

#include "mcp/tool.hpp"
#include "messages/audit_messages.hpp"
#include "messages/metrics_messages.hpp"

namespace cua {

/// Returns the start of a tools/call's audit record: when, which client (its label, and the first
/// characters of its MCP session over HTTP), which session, which tool with which arguments (a
/// tool call's arguments never hold images or secrets). Null when nothing is audited.
nlohmann::json audit_start(const tool_services& services, const tool_definition& tool,
                           const nlohmann::json& arguments);

/// Ends `record` with how the call ended and how long it took, and hands it to `audit`; does
/// nothing for a null record.
template <class Self>
void audit_end(Self* self, const audit_api& audit, nlohmann::json record, call_outcome outcome,
               caf::actor_clock::time_point started) {
  if (!audit || record.is_null())
    return;
  record["outcome"] = to_string(outcome);
  record["duration_ms"]
    = std::chrono::duration<double, std::milli>(self->clock().now() - started).count();
  self->send(audit, audit_atom::value, std::move(record));
}

} // namespace cua
