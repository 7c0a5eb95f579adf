#include "mcp/http_rules.hpp"

#include <algorithm>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "util/json_text.hpp"

namespace cua {

namespace {

// What one message (alone or in a batch) adds to a reading.
void read_message(const nlohmann::json& value, http_protocol::post_reading& out) {
  auto msg = jsonrpc::classify(value);
  if (msg.type == jsonrpc::kind::request) {
    out.request_keys.push_back(msg.id.dump());
    if (msg.method == "initialize")
      out.opens_session = true;
    // server/discover exists in the stateless revision only: served so even without its _meta
    // (and then refused as malformed, with the request's id).
    if (mcp::claims_modern(msg.params) || msg.method == "server/discover")
      out.stateless = true;
    if (msg.params.is_object())
      if (auto meta = msg.params.find("_meta"); meta != msg.params.end() && meta->is_object())
        if (auto token = meta->find("progressToken"); token != meta->end())
          out.progress_tokens.push_back(token->dump());
  } else if (msg.type == jsonrpc::kind::invalid) {
    out.request_keys.push_back(msg.id.is_null() ? "null" : msg.id.dump());
  }
}

} // namespace

http_protocol::post_reading mcp_http_rules::read_post(const nlohmann::json& body) const {
  post_reading out;
  if (!body.is_array()) {
    read_message(body, out);
    return out;
  }
  out.batch = true;
  if (body.empty()) {
    out.refusal = "an empty batch";
    return out;
  }
  for (const auto& item : body)
    read_message(item, out);
  if (out.opens_session)
    out.refusal = "initialize must be sent on its own, not in a batch";
  out.stateless = false; // the stateless revision has no batches: the bridge refuses this one
  return out;
}

bool mcp_http_rules::speaks(const std::string& version) const {
  const auto& known = mcp::supported_versions();
  return std::find(known.begin(), known.end(), version) != known.end();
}

bool mcp_http_rules::is_stateless(const std::string& version) const {
  return version == mcp::modern_version();
}

std::string mcp_http_rules::stateless_version() const {
  return mcp::modern_version();
}

std::string mcp_http_rules::refusal_body(int status, const std::string& text) const {
  auto code = status == 400 || status == 413 ? jsonrpc::invalid_request
              : status == 404             ? mcp::session_gone_code
                                          : mcp::server_error_code;
  return json_text(jsonrpc::make_error(nullptr, code, text));
}

std::string mcp_http_rules::unreadable_body() const {
  return json_text(
    jsonrpc::make_error(nullptr, jsonrpc::parse_error, "parse error: the body is not valid JSON"));
}

} // namespace cua
