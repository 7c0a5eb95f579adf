#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cua::jsonrpc {

/// JSON-RPC 2.0 error codes used by MCP.
enum code : int {
  parse_error = -32700,
  invalid_request = -32600,
  method_not_found = -32601,
  invalid_params = -32602,
  resource_not_found = -32002, // resources/read of a URI that names nothing
  internal_error = -32603,
};

enum class kind { request, notification, response, invalid };

/// One decoded JSON-RPC message.
struct message {
  kind type = kind::invalid;
  nlohmann::json id;     // request, response; null when unreadable
  std::string method;    // request, notification
  nlohmann::json params; // request, notification; null when absent
  nlohmann::json result; // response
  nlohmann::json error;  // response
  std::string problem;   // invalid: what is wrong
};

/// Returns what `value` is as a JSON-RPC 2.0 message, checking the envelope (version, id type,
/// method, exactly one of result and error).
message classify(const nlohmann::json& value);

/// Like classify(const json&), taking params, result and error out of `value` instead of copying.
message classify(nlohmann::json&& value);

nlohmann::json make_result(const nlohmann::json& id, nlohmann::json result);
nlohmann::json make_error(const nlohmann::json& id, int code, const std::string& text);
nlohmann::json make_notification(const std::string& method, nlohmann::json params);
nlohmann::json make_request(const nlohmann::json& id, const std::string& method,
                            nlohmann::json params);

} // namespace cua::jsonrpc
