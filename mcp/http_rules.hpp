#pragma once

#include "transport/http_protocol.hpp"

namespace cua {

/// MCP over Streamable HTTP, as the transport needs to know it: JSON-RPC requests need answers,
/// initialize starts a session, a request of the stateless revision (its _meta, or
/// server/discover) is served without one, batches are arrays (2025-03-26), refusals are JSON-RPC
/// errors (-32001 for a session that is gone).
class mcp_http_rules final : public http_protocol {
public:
  post_reading read_post(const nlohmann::json& body) const override;
  bool speaks(const std::string& version) const override;
  bool is_stateless(const std::string& version) const override;
  std::string stateless_version() const override;
  std::string refusal_body(int status, const std::string& text) const override;
  std::string unreadable_body() const override;
};

} // namespace cua
