#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "mcp/bridge_actor.hpp"
#include "mcp/tool.hpp"
#include "transport/http_exchange.hpp"
#include "transport/slot_request.hpp"
#include "util/log_tag.hpp"

namespace cua {

struct http_client_config {
  std::string client_id; // the Mcp-Session-Id the transport issued
  caf::timespan idle_timeout = std::chrono::minutes(30);
  /// A client with no session, stream or request in flight ends after this long without a request.
  caf::timespan empty_timeout = std::chrono::minutes(2);
  /// It gives its slot to a new client when asked, once its sessions have been idle this long (no
  /// task running); 0: only when it has none.
  caf::timespan reclaim_idle = std::chrono::minutes(1);
  caf::timespan query_timeout = std::chrono::seconds(2); // its questions to the supervisor
  /// Serves one POST of the stateless revision (2026-07-28) and ends once it is answered: no
  /// MCP session, no timers, and the sessions it opened stay (they belong to the principal).
  bool stateless = false;
  caf::timespan keepalive_interval = std::chrono::seconds(15);
  int32_t max_pending = 256; // requests awaiting their answers at once; more get 429
  /// Tells the transport that this client has ended, so that its id is refused from then on.
  std::function<void(const std::string& client_id)> on_end;
};

struct http_client_state {
  struct pending_post {
    exchange_ptr exchange;
    std::set<std::string> unanswered; // request ids as JSON text
    std::vector<std::string> progress_tokens;
    bool streaming = false;
    bool batch = false;
  };

  http_client_config config;
  caf::actor bridge;
  supervisor_api supervisor;
  tagged_log log; // records about this client
  const tool_catalog* tools = nullptr; // the bridge's, for the headers of stateless calls
  caf::actor tasks;                    // the MCP task registry (none: no tasks)
  std::map<uint64_t, pending_post> posts;       // by exchange id
  std::map<std::string, uint64_t> post_of_request; // request id -> exchange id
  std::map<std::string, uint64_t> post_of_token;   // progress token -> exchange id
  std::map<uint64_t, exchange_ptr> streams;        // GET streams, by exchange id
  caf::actor_clock::time_point last_activity;
  bool asking_about_sessions = false; // an empty-client check is out
  bool ended = false;

  /// A client that stops without ending (its bridge died) still gives back what it held.
  ~http_client_state();

  static inline const char* name = "http_client";
};

/// One client of the Streamable HTTP transport: what the stdout writer is to the stdio bridge,
/// for one MCP session (Mcp-Session-Id). Spawns the client's own bridge, hands it the messages the
/// client POSTs, and routes what the bridge writes back to the right HTTP stream: a response to
/// the POST that asked (as JSON, or as the end of an SSE stream once progress went out on it),
/// progress to the POST of its request, and everything else to a GET stream (or, lacking one, to
/// an open POST).
///
/// A POST whose connection drops cancels its requests, as notifications/cancelled would. The client
/// ends on (end, reason) (DELETE, server shutdown), after idle_timeout with no request and
/// no open stream, after the shorter empty_timeout when it has no session either (most clients
/// never send DELETE), or when it gives its slot to a new client; its sessions are then cleaned up
/// and the transport told.
///
/// A stateless client (config.stateless) checks the request's MCP headers against its body first
/// (400 with -32020 on a mismatch), answers errors with the status the revision gives their code,
/// and ends with its one POST.
///
/// Messages: (post, http_post); (listen, exchange_ptr) for a GET stream; (hangup, exchange id);
/// (reclaim, slot_request_ptr), answered yes (after ending) when the client has no stream and no
/// request in flight and its sessions have all been idle for reclaim_idle, or it has none;
/// (end, reason); (write, outbound_line) from its bridge; (log, level, logger, text), log records about
/// this client, for its bridge to forward at the client's level.
caf::behavior http_client_actor(caf::stateful_actor<http_client_state>* self,
                                http_client_config config, tool_services services,
                                bridge_config bridge);

} // namespace cua
