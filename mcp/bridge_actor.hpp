#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <nlohmann/json.hpp>

#include "mcp/call_context.hpp"
#include "mcp/protocol.hpp"
#include "mcp/quick_calls.hpp"
#include "mcp/tool.hpp"
#include "messages/json_payload.hpp"
#include "util/log_tag.hpp"

namespace cua {

struct bridge_config {
  size_t max_line = 16 * 1024 * 1024;
  int32_t max_in_flight = 256; // tools/call requests at once
  caf::timespan heartbeat_interval = std::chrono::seconds(5);
  /// A stateless HTTP exchange: every request is served by the stateless revision (2026-07-28),
  /// with or without its _meta (without, it is refused as malformed).
  bool stateless = false;
  /// The tools served (tools/list, tools/call); null: none. The table outlives every bridge.
  const tool_catalog* tools = nullptr;
  /// The MCP task registry (mcp/task_registry_actor.hpp); none: tasks are not offered.
  caf::actor tasks;
  /// The longest a tasks/result request waits for its task (the registry ends every task by
  /// its ttl, so this is only the bound every wait has).
  caf::timespan task_wait_bound = std::chrono::minutes(61);
  /// How often a subscribed screen is looked at (and so the most updates a second it causes).
  caf::timespan screen_watch_interval = std::chrono::milliseconds(500);
};

struct bridge_state {
  struct in_flight {
    caf::actor call; // none for a quick call, which runs here
    nlohmann::json id;
    std::string tool;
    uint64_t ticket = 0;
    std::string version; // the protocol its answer is written in
    caf::actor_clock::time_point started;
    nlohmann::json audit; // its audit record so far (null: not audited)
  };

  caf::actor writer;
  tool_services services;
  tagged_log log; // records about this client's connection
  bridge_config config;
  bool initialized = false; // initialize answered
  std::string version;
  nlohmann::json client_capabilities;
  mcp::log_level log_level = mcp::log_level::warning;
  std::map<std::string, in_flight> calls;              // by request id as text
  std::optional<quick_calls> quick; // the calls that run here
  uint64_t next_ticket = 1;
  std::map<std::string, caf::response_promise> asked;  // our requests to the client, by id
  std::map<std::string, caf::actor> watches;           // subscribed screens, by URI (none: pending)
  std::set<std::string> task_waits; // tasks/result requests waiting, by request id as text
  int64_t next_request = 1;

  /// A JSON-RPC batch (protocol 2025-03-26) whose answer, one array, waits for its members.
  struct batch {
    nlohmann::json responses = nlohmann::json::array();
    size_t pending = 0;
  };
  std::map<uint64_t, batch> batches;
  std::map<std::string, uint64_t> batch_of; // request id as text -> its batch, while unanswered
  uint64_t next_batch = 1;
  uint64_t current_batch = 0; // the batch whose members are being read now

  /// Set once the client's input has ended: answered when the last call in flight is.
  std::optional<caf::response_promise> drained;

  /// Stops the calls still in flight when the bridge ends, however it ends.
  ~bridge_state();

  static inline const char* name = "bridge";
};

/// One client connection's MCP session. Takes (line, text) and (oversize, size) from the
/// transport, answers protocol requests itself, runs each tools/call on a call actor of its own (so
/// a slow tool never delays a ping or another call) or, for a quick tool, here (one supervisor
/// query: an actor per call would cost more than the call; see quick_calls), and sends every
/// outgoing line through the one writer.
///
/// Also: (client_req, method, params) -> result (JSON) sends a request to the client and routes
/// its response back; (log, level, logger, text) becomes notifications/message at or above the
/// client's level; (drain) -> unit once every call read so far is answered, after the client's
/// input ended (task calls are cancelled and answered so; the others run to their end);
/// (shutdown) cancels the calls still in flight, answers each with an error saying so, and ends
/// the actor.
///
/// MCP tasks: a tools/call that asks for one (params.task in 2025-11-25; in 2026-07-28, a client
/// that declares the tasks extension calling a tool that runs the agent) is handed to the task
/// registry, and answered at once with the task; tasks/get, tasks/result, tasks/list, tasks/cancel
/// (and, in 2026-07-28, tasks/update) are the registry's to answer, for this client's tasks only.
///
/// Resources (mcp/resource_requests.hpp): the client's sessions' screens and recorded tasks,
/// listed, read, and (screens) subscribed to, each subscription a screen_watch actor of its own.
caf::behavior bridge_actor(caf::stateful_actor<bridge_state>* self, caf::actor writer,
                           tool_services services, bridge_config config);

} // namespace cua
