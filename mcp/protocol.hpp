#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cua::mcp {

/// Protocol versions this server speaks, newest first.
const std::vector<std::string>& supported_versions();

/// Returns the version to answer initialize with: the requested one when supported, else our newest.
std::string negotiate_version(const std::string& requested);

/// Returns whether `version` is `minimum` or newer (versions are dates, so text order works).
bool at_least(const std::string& version, const std::string& minimum);

/// The server-defined JSON-RPC errors of the Streamable HTTP transport: the MCP session a request
/// names is gone (HTTP 404), and any other refusal by the server (503, 403...).
inline constexpr int session_gone_code = -32001;
inline constexpr int server_error_code = -32000;

/// Log levels of notifications/message, lowest first.
enum class log_level { debug, info, notice, warning, error, critical, alert, emergency };

std::optional<log_level> parse_log_level(const std::string& name);
const char* to_string(log_level level);

/// Returns the initialize result for `version`; with `tasks`, MCP tasks are declared (2025-11-25 on).
nlohmann::json initialize_result(const std::string& version, bool tasks);

/// Returns `tool` (as tools/list shows it) without the fields `version` does not know.
nlohmann::json tool_for_version(nlohmann::json tool, const std::string& version);

/// Returns a tools/call result without the fields `version` does not know.
nlohmann::json call_result_for_version(nlohmann::json result, const std::string& version);

// --- The stateless revision (2026-07-28): no handshake; every request says who asks, in _meta. ---

/// The stateless revision, served beside the 2025 ones on the same endpoints.
const std::string& modern_version();

/// The _meta keys of the stateless revision.
namespace meta_key {
inline constexpr const char* protocol_version = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* client_capabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* client_info = "io.modelcontextprotocol/clientInfo";
inline constexpr const char* server_info = "io.modelcontextprotocol/serverInfo";
inline constexpr const char* log_level = "io.modelcontextprotocol/logLevel";
} // namespace meta_key

/// Error codes of the stateless revision.
inline constexpr int header_mismatch = -32020;
inline constexpr int missing_client_capability = -32021;
inline constexpr int unsupported_protocol_version = -32022;

/// Why a request is refused before it is served: a JSON-RPC error (with data, if any).
struct protocol_error {
  int code = 0;
  std::string message;
  nlohmann::json data; // null: none
};

/// Returns whether a request's params carry the stateless revision's claim (a protocol version in
/// _meta): such a request is served statelessly, whatever came before it on the connection.
bool claims_modern(const nlohmann::json& params);

/// Checks the _meta of a modern request: -32602 when it lacks what the revision requires, -32022
/// (with the versions served) when it names a version not served statelessly.
std::optional<protocol_error> check_modern_meta(const nlohmann::json& params);

/// Returns the value of an HTTP request header (names are case-insensitive), if it was sent.
using header_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Checks the HTTP headers of a modern request against its body (-32020 on any mismatch):
/// MCP-Protocol-Version against _meta, Mcp-Method, Mcp-Name (tools/call: the tool; tasks/get,
/// tasks/update, tasks/cancel: the task id), and Mcp-Param-* for the
/// arguments `input_schema` marks with x-mcp-header (values may be =?base64?...?= encoded).
std::optional<protocol_error> check_modern_headers(const nlohmann::json& request,
                                                   const header_lookup& header,
                                                   const nlohmann::json& input_schema);

/// Returns the HTTP status that goes with a modern request's JSON-RPC error code.
int http_status_for(int code);

/// Whether the stateless revision has `method` (as this server serves it).
bool modern_method(const std::string& method);

/// Returns the result of server/discover; with `tasks`, the tasks extension is declared.
nlohmann::json discover_result(bool tasks);

/// Returns `result` as a complete result of the stateless revision: resultType, the server's
/// identity in _meta, and (for list and discover results) caching hints.
nlohmann::json complete_result(nlohmann::json result, bool cacheable);

/// Returns a list result of the stateless revision that is the caller's own and changes at any
/// moment (its sessions, its recordings): complete, with the hints that say so (ttlMs 0, private).
nlohmann::json private_list_result(nlohmann::json result);

} // namespace cua::mcp
