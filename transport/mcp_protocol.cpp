#include "transport/mcp_protocol.hpp"

#include <array>

namespace cua::mcp {

const std::vector<std::string>& supported_versions() {
  static const std::vector<std::string> versions{"2025-11-25", "2025-06-18", "2025-03-26",
                                                 "2024-11-05"};
  return versions;
}

std::string negotiate_version(const std::string& requested) {
  for (const auto& v : supported_versions())
    if (v == requested)
      return v;
  return supported_versions().front();
}

bool at_least(const std::string& version, const std::string& minimum) {
  return version >= minimum;
}

namespace {

constexpr std::array<const char*, 8> level_names{"debug", "info",     "notice", "warning",
                                                 "error", "critical", "alert",  "emergency"};

} // namespace

std::optional<log_level> parse_log_level(const std::string& name) {
  for (size_t i = 0; i < level_names.size(); ++i)
    if (name == level_names[i])
      return static_cast<log_level>(i);
  return std::nullopt;
}

const char* to_string(log_level level) {
  return level_names[static_cast<size_t>(level)];
}

nlohmann::json initialize_result(const std::string& version) {
  nlohmann::json server_info{{"name", "cua-mcp-server"}, {"version", CUA_VERSION}};
  if (at_least(version, "2025-06-18"))
    server_info["title"] = "Cua computer-use MCP server";
  return {
    {"protocolVersion", version},
    {"capabilities", {{"tools", {{"listChanged", false}}}, {"logging", nlohmann::json::object()}}},
    {"serverInfo", server_info},
    {"instructions",
     "Gives you computers to use. Each session has its own isolated computer; calls without "
     "session_id use this connection's default session. screenshot_cua shows the screen, "
     "run_cua_task hands a whole task to a computer-use agent, run_multi_cua_tasks runs several "
     "(concurrently on fresh sessions if asked), get_session_stats shows sessions and the pool, and "
     "cleanup_session ends a session and frees its computer."},
  };
}

nlohmann::json tool_for_version(nlohmann::json tool, const std::string& version) {
  if (!at_least(version, "2025-06-18")) {
    tool.erase("outputSchema");
    tool.erase("title");
  }
  if (!at_least(version, "2025-03-26"))
    tool.erase("annotations");
  return tool;
}

nlohmann::json call_result_for_version(nlohmann::json result, const std::string& version) {
  if (!at_least(version, "2025-06-18"))
    result.erase("structuredContent");
  return result;
}

} // namespace cua::mcp
