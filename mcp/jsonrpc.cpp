#include "mcp/jsonrpc.hpp"

namespace cua::jsonrpc {

namespace {

bool valid_id(const nlohmann::json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

message invalid(nlohmann::json id, std::string problem) {
  message out;
  out.type = kind::invalid;
  out.id = std::move(id);
  out.problem = std::move(problem);
  return out;
}

} // namespace

message classify(const nlohmann::json& value) {
  return classify(nlohmann::json(value));
}

message classify(nlohmann::json&& value) {
  if (!value.is_object())
    return invalid(nullptr, "a JSON-RPC message must be a JSON object");
  nlohmann::json id = nullptr;
  auto id_it = value.find("id");
  bool has_id = id_it != value.end();
  if (has_id && valid_id(*id_it))
    id = *id_it;
  auto version = value.find("jsonrpc");
  if (version == value.end() || *version != "2.0")
    return invalid(id, "\"jsonrpc\" must be \"2.0\"");
  if (has_id && !valid_id(*id_it))
    return invalid(nullptr, "\"id\" must be a string or an integer");
  auto method = value.find("method");
  if (method != value.end()) {
    if (!method->is_string())
      return invalid(id, "\"method\" must be a string");
    message out;
    out.type = has_id ? kind::request : kind::notification;
    out.id = id;
    out.method = method->get<std::string>();
    if (auto params = value.find("params"); params != value.end()) {
      if (!params->is_object() && !params->is_array() && !params->is_null())
        return invalid(id, "\"params\" must be an object");
      out.params = std::move(*params);
    }
    return out;
  }
  auto result = value.find("result");
  auto error = value.find("error");
  bool has_result = result != value.end();
  bool has_error = error != value.end();
  if (!has_id)
    return invalid(nullptr, "a message needs \"method\" (request, notification) or \"id\" (response)");
  if (has_result == has_error)
    return invalid(id, "a response needs exactly one of \"result\" and \"error\"");
  message out;
  out.type = kind::response;
  out.id = id;
  if (has_result)
    out.result = std::move(*result);
  else
    out.error = std::move(*error);
  return out;
}

nlohmann::json make_result(const nlohmann::json& id, nlohmann::json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

nlohmann::json make_error(const nlohmann::json& id, int code, const std::string& text) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", text}}}};
}

nlohmann::json make_notification(const std::string& method, nlohmann::json params) {
  nlohmann::json out{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null())
    out["params"] = std::move(params);
  return out;
}

nlohmann::json make_request(const nlohmann::json& id, const std::string& method,
                            nlohmann::json params) {
  nlohmann::json out{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null())
    out["params"] = std::move(params);
  return out;
}

} // namespace cua::jsonrpc
