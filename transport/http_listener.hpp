#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "messages/metrics_messages.hpp"
#include "transport/http_exchange.hpp"
#include "transport/http_options.hpp"
#include "transport/http_protocol.hpp"

namespace cua {

/// Makes the actor of a new HTTP client (MCP session `client_id`), opened with the token of
/// `principal` ("" : the operator's token, or none; else a --token-file token's label); `on_end`
/// is for it to call when it ends, from any thread.
using http_client_spawner = std::function<caf::actor(const std::string& client_id,
                                                     const std::string& principal,
                                                     std::function<void(const std::string&)> on_end)>;

/// Makes the actor that serves one request of the stateless revision (no MCP session), sent with
/// the token of `principal`.
using http_stateless_spawner = std::function<caf::actor(const std::string& principal)>;

/// Answers a scrape of GET /metrics on `exchange`; `load` is the transport's own figures.
using http_metrics_source = std::function<void(exchange_ptr exchange, http_load load)>;

/// A file the transport serves as it is (the live view's page).
struct static_file {
  std::string content_type;
  std::string body;
};

/// What the transport needs to serve the live view: its page's files by path ("/" included), and
/// the actor that answers its API; it gets (view, http_view_request) and, when a peer goes away
/// before its answer, (hangup, exchange id).
struct http_view_routes {
  std::map<std::string, static_file> files;
  caf::actor hub;
};

/// The Streamable HTTP transport: accepts connections on its own I/O thread (Boost.Beast), checks
/// every request (path, Host and Origin, bearer token, sizes, limits, headers), keeps the map from
/// Mcp-Session-Id to client actor, and hands each checked message, parsed, to its client's actor
/// with an exchange to answer on. What the messages mean it asks `protocol`. A POST of the stateless revision (2026-07-28: its _meta or its
/// MCP-Protocol-Version header says so) goes to an actor of its own, whatever Mcp-Session-Id it
/// carries; GET and DELETE of that revision get 405.
class http_listener {
public:
  /// Without `spawn_client`, there is no MCP endpoint (a listener for the live view alone).
  http_listener(http_options options, std::shared_ptr<const http_protocol> protocol,
                http_client_spawner spawn_client, http_stateless_spawner spawn_stateless = nullptr);
  ~http_listener();

  http_listener(const http_listener&) = delete;
  http_listener& operator=(const http_listener&) = delete;

  /// Serves GET /metrics (behind the same Host, Origin and token checks as the MCP endpoint)
  /// through `source`; call before start(). Without it, /metrics is not found.
  void serve_metrics(http_metrics_source source);

  /// Serves the live view (its page at /, its API under /view/api/) behind the same Host and
  /// Origin checks as the MCP endpoint; with a token, its API takes the bearer token or the
  /// HttpOnly cookie that POST /view/login sets for it. Call before start().
  void serve_view(http_view_routes routes);

  /// Binds and starts serving; returns why it could not (address in use, bad address).
  caf::error start();

  /// Returns the port it listens on (the one bound, when 0 was asked for).
  uint16_t port() const;

  /// Stops accepting, ends every client (their sessions are cleaned up) and closes every
  /// connection; returns once the I/O thread has stopped.
  void stop();

  struct core; // the I/O thread's state, shared with its connections (defined in the .cpp)

private:
  std::shared_ptr<core> core_;
};

} // namespace cua
