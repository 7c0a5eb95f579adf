#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <nlohmann/json.hpp>

namespace cua {

using http_headers = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request waiting for its answer, as the actors see it: they answer it whole, or open an
/// SSE stream on it and send events until they finish it. Safe to call from any thread (the
/// transport does the I/O on its own thread); calls after the peer has gone do nothing.
class http_exchange {
public:
  virtual ~http_exchange() = default;

  /// Tells this exchange from the others of the same client.
  virtual uint64_t id() const = 0;

  /// Answers with a whole response.
  virtual void respond(int status, const std::string& content_type, std::string body,
                       http_headers headers = {})
    = 0;

  /// Answers 200 with an SSE stream (text/event-stream) that stays open.
  virtual void open_stream(http_headers headers = {}) = 0;

  /// Sends one JSON-RPC message as an SSE event on the open stream.
  virtual void send_event(const std::string& message) = 0;

  /// Sends an SSE comment, which clients ignore: keeps proxies from timing a quiet stream out and
  /// shows whether the peer is still there.
  virtual void send_comment(const std::string& text) = 0;

  /// Ends the stream; the connection may carry the client's next request.
  virtual void finish() = 0;
};

using exchange_ptr = std::shared_ptr<http_exchange>;

/// A POST to the MCP endpoint, read and checked by the transport.
struct http_post {
  exchange_ptr exchange;
  nlohmann::json message;                    // one message or a batch (array), parsed once
  std::vector<std::string> request_keys;     // ids (as JSON text) of what needs an answer
  std::vector<std::string> progress_tokens;  // as JSON text, of the requests that want progress
  bool batch = false;                        // a JSON array (protocol 2025-03-26 only)
  /// The MCP headers sent with it (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*),
  /// names in lower case: the stateless revision has them mirror the body.
  http_headers mcp_headers;
};

/// A request to the live view's API (/view/api/...), let in by the transport (Host, Origin, the
/// token or a login cookie): what it asks, and the exchange to answer on.
struct http_view_request {
  exchange_ptr exchange;
  std::string method; // GET, POST
  std::string path;   // e.g. /view/api/sessions/s1/frame
  std::string query;  // what follows '?', as sent
  std::string body;
};

} // namespace cua

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cua::exchange_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cua::http_view_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cua::http_post)
