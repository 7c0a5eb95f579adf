#include "mcp/call_audit.hpp"

#include "util/clock_text.hpp"

namespace cua {

nlohmann::json audit_start(const tool_services& services, const tool_definition& tool,
                           const nlohmann::json& arguments) {
  if (!services.audit)
    return nullptr;
  nlohmann::json record{{"time", iso8601(std::chrono::system_clock::now())},
                        {"kind", "tool_call"},
                        {"client", services.rights->label}};
  if (!services.client.empty())
    record["client_id"] = services.client.substr(0, 8);
  // A tool that works on a session: the one it names, or the client's own.
  const auto& props = tool.input_schema.value("properties", nlohmann::json::object());
  if (props.contains("session_id")) {
    auto named = arguments.is_object() ? arguments.value("session_id", nlohmann::json{}) : nullptr;
    record["session"] = named.is_string() ? named : nlohmann::json(services.default_session_id);
  }
  record["tool"] = tool.name;
  record["arguments"] = arguments;
  return record;
}

} // namespace cua
