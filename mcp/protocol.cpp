#include "mcp/protocol.hpp"

#include <array>
#include <cctype>

#include "util/base64.hpp"

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

nlohmann::json initialize_result(const std::string& version, bool tasks) {
  nlohmann::json server_info{{"name", "cua-mcp-server"}, {"version", CUA_VERSION}};
  if (at_least(version, "2025-06-18"))
    server_info["title"] = "Cua computer-use MCP server";
  nlohmann::json capabilities{{"tools", {{"listChanged", false}}},
                              {"logging", nlohmann::json::object()},
                              {"resources", {{"subscribe", true}, {"listChanged", false}}}};
  if (tasks && at_least(version, "2025-11-25"))
    capabilities["tasks"] = {{"list", nlohmann::json::object()},
                             {"cancel", nlohmann::json::object()},
                             {"requests", {{"tools", {{"call", nlohmann::json::object()}}}}}};
  return {
    {"protocolVersion", version},
    {"capabilities", std::move(capabilities)},
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
  // x-mcp-header (the stateless revision's HTTP header mirroring) is an annotation that revision
  // defines; older clients are not shown it.
  if (version != modern_version())
    if (auto schema = tool.find("inputSchema"); schema != tool.end() && schema->contains("properties"))
      for (auto& [name, property] : (*schema)["properties"].items())
        if (property.is_object())
          property.erase("x-mcp-header");
  if (!at_least(version, "2025-06-18")) {
    tool.erase("outputSchema");
    tool.erase("title");
  }
  if (!at_least(version, "2025-03-26"))
    tool.erase("annotations");
  return tool;
}

nlohmann::json call_result_for_version(nlohmann::json result, const std::string& version) {
  if (version == modern_version())
    return complete_result(std::move(result), false);
  if (!at_least(version, "2025-06-18"))
    result.erase("structuredContent");
  return result;
}

// --- The stateless revision ---

const std::string& modern_version() {
  static const std::string version = "2026-07-28";
  return version;
}

namespace {

using nlohmann::json;

const json* meta_of(const json& params) {
  if (!params.is_object())
    return nullptr;
  auto meta = params.find("_meta");
  return meta != params.end() && meta->is_object() ? &*meta : nullptr;
}

protocol_error invalid_meta(const std::string& problem) {
  return {-32602,
          problem + "; a request without initialize (protocol " + modern_version()
            + ") carries params._meta with \"" + meta_key::protocol_version + "\" (a string) and \""
            + meta_key::client_capabilities + "\" (an object)",
          nullptr};
}

protocol_error mismatch(const std::string& problem) {
  return {header_mismatch, problem, nullptr};
}

std::string trimmed(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Returns the value a header stands for: itself, or the text inside =?base64?...?= (nothing if
// that is not valid base64 of printable text).
std::optional<std::string> header_value(const std::string& raw) {
  auto text = trimmed(raw);
  const std::string prefix = "=?base64?";
  const std::string suffix = "?=";
  if (text.size() < prefix.size() + suffix.size() || text.compare(0, prefix.size(), prefix) != 0
      || text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0)
    return text;
  auto bytes = base64_decode(text.substr(prefix.size(), text.size() - prefix.size() - suffix.size()));
  if (!bytes)
    return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

bool printable(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f)
      return false;
  return true;
}

// Whether a header's text stands for the JSON value `value` (a string, integer or boolean).
bool header_matches(const std::string& text, const json& value) {
  if (value.is_string())
    return text == value.get<std::string>();
  if (value.is_boolean())
    return text == (value.get<bool>() ? "true" : "false");
  if (value.is_number_integer()) {
    try {
      size_t used = 0;
      auto number = std::stoll(text, &used);
      return used == text.size() && number == value.get<int64_t>();
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

} // namespace

bool claims_modern(const json& params) {
  const auto* meta = meta_of(params);
  return meta != nullptr && meta->contains(meta_key::protocol_version);
}

std::optional<protocol_error> check_modern_meta(const json& params) {
  const auto* meta = meta_of(params);
  if (meta == nullptr)
    return invalid_meta("params._meta is missing");
  auto version = meta->find(meta_key::protocol_version);
  if (version == meta->end() || !version->is_string())
    return invalid_meta(std::string{"_meta lacks \""} + meta_key::protocol_version + "\"");
  auto capabilities = meta->find(meta_key::client_capabilities);
  if (capabilities == meta->end() || !capabilities->is_object())
    return invalid_meta(std::string{"_meta lacks \""} + meta_key::client_capabilities + "\"");
  if (auto info = meta->find(meta_key::client_info); info != meta->end() && !info->is_object())
    return invalid_meta(std::string{"\""} + meta_key::client_info + "\" must be an object");
  if (auto level = meta->find(meta_key::log_level);
      level != meta->end() && (!level->is_string() || !parse_log_level(level->get<std::string>())))
    return invalid_meta(std::string{"\""} + meta_key::log_level + "\" must be one of debug, info, "
                        "notice, warning, error, critical, alert, emergency");
  auto requested = version->get<std::string>();
  if (requested != modern_version())
    return protocol_error{unsupported_protocol_version,
                          "unsupported protocol version \"" + requested + "\": without initialize "
                            "this server speaks " + modern_version() + "; the 2025 revisions "
                            "(2025-11-25 and older) begin with initialize",
                          {{"supported", {modern_version()}}, {"requested", requested}}};
  return std::nullopt;
}

std::optional<protocol_error> check_modern_headers(const json& request, const header_lookup& header,
                                                   const json& input_schema) {
  const json empty = json::object();
  const auto& params = request.contains("params") ? request["params"] : empty;
  if (const auto* meta = meta_of(params))
    if (auto version = meta->find(meta_key::protocol_version);
        version != meta->end() && version->is_string()) {
      auto sent = header("MCP-Protocol-Version");
      if (!sent || trimmed(*sent) != version->get<std::string>())
        return mismatch("the MCP-Protocol-Version header (" + (sent ? trimmed(*sent) : "none")
                        + ") does not match params._meta's protocol version ("
                        + version->get<std::string>() + ")");
    }
  auto method = request.value("method", "");
  auto sent_method = header("Mcp-Method");
  if (!sent_method)
    return mismatch("the Mcp-Method header is required (it names the request's method, \"" + method
                    + "\")");
  if (trimmed(*sent_method) != method)
    return mismatch("the Mcp-Method header (" + trimmed(*sent_method)
                    + ") does not match the request's method (" + method + ")");
  // Mcp-Name mirrors what the request names: the tool called, the task, the resource read.
  const char* named = method == "tools/call"       ? "name"
                      : method == "resources/read" ? "uri"
                      : method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel"
                        ? "taskId"
                        : nullptr;
  if (named == nullptr)
    return std::nullopt;
  auto value = params.is_object() ? params.value(named, json{}) : json{};
  auto sent_name = header("Mcp-Name");
  if (!sent_name)
    return mismatch("the Mcp-Name header is required on " + method + " (it mirrors params."
                    + named + ")");
  auto name_text = header_value(*sent_name);
  if (!name_text || !value.is_string() || *name_text != value.get<std::string>())
    return mismatch("the Mcp-Name header (" + trimmed(*sent_name) + ") does not match params."
                    + named + " (" + (value.is_string() ? value.get<std::string>() : "none") + ")");
  if (method != "tools/call")
    return std::nullopt;
  if (!input_schema.is_object() || !input_schema.contains("properties"))
    return std::nullopt;
  const auto& arguments = params.contains("arguments") ? params["arguments"] : empty;
  for (const auto& [property, schema] : input_schema["properties"].items()) {
    if (!schema.is_object() || !schema.contains("x-mcp-header") || !schema["x-mcp-header"].is_string())
      continue;
    auto header_name = "Mcp-Param-" + schema["x-mcp-header"].get<std::string>();
    auto value = arguments.is_object() && arguments.contains(property) ? arguments[property] : json{};
    if (value.is_null())
      continue; // an argument not sent needs no header
    auto sent = header(header_name);
    if (!sent)
      return mismatch("the " + header_name + " header is required: it mirrors the argument "
                      + property);
    auto text = header_value(*sent);
    if (!text || !printable(*text))
      return mismatch("the " + header_name + " header is not valid (base64 or characters)");
    if (!header_matches(*text, value))
      return mismatch("the " + header_name + " header does not match the argument " + property);
  }
  return std::nullopt;
}

int http_status_for(int code) {
  switch (code) {
    case -32601: return 404;
    case -32700:
    case -32600:
    case -32602:
    case header_mismatch:
    case missing_client_capability:
    case unsupported_protocol_version: return 400;
    default: return 200;
  }
}

bool modern_method(const std::string& method) {
  static const std::array<const char*, 7> methods{"server/discover", "tools/list", "tools/call",
                                                   "prompts/list", "resources/list",
                                                   "resources/templates/list", "resources/read"};
  for (const char* known : methods)
    if (method == known)
      return true;
  return false;
}

json discover_result(bool tasks) {
  json result{
    {"supportedVersions", {modern_version()}},
    {"capabilities",
     {{"tools", {{"listChanged", false}}},
      {"logging", json::object()},
      {"prompts", {{"listChanged", false}}},
      {"resources", {{"subscribe", false}, {"listChanged", false}}}}},
    {"instructions",
     "Gives you computers to use. Each session has its own isolated computer. A call without "
     "session_id starts a new session (a new computer) and its result names the session's id: "
     "pass it back as session_id to keep using that computer, and end it with cleanup_session. "
     "screenshot_cua shows the screen, computer performs one action, run_cua_task hands a whole "
     "task to a computer-use agent, run_multi_cua_tasks runs several, get_session_stats shows "
     "your sessions and the pool."},
  };
  if (tasks)
    result["capabilities"]["extensions"] = {{"io.modelcontextprotocol/tasks", json::object()}};
  return complete_result(std::move(result), true);
}

json complete_result(json result, bool cacheable) {
  result["resultType"] = "complete";
  result["_meta"][meta_key::server_info] = {{"name", "cua-mcp-server"}, {"version", CUA_VERSION}};
  if (cacheable) {
    // The tools never change while the server runs, and are the same for every caller.
    result["ttlMs"] = 3600000;
    result["cacheScope"] = "public";
  }
  return result;
}

json private_list_result(json result) {
  result = complete_result(std::move(result), false);
  result["ttlMs"] = 0;
  result["cacheScope"] = "private";
  return result;
}

} // namespace cua::mcp
