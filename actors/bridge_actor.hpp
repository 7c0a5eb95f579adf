#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <nlohmann/json.hpp>

#include "tools/tool.hpp"
#include "transport/mcp_protocol.hpp"

namespace cua {

struct bridge_config {
  size_t max_line = 16 * 1024 * 1024;
  int32_t max_in_flight = 256; // tools/call requests at once
  caf::timespan heartbeat_interval = std::chrono::seconds(5);
};

struct bridge_state {
  struct in_flight {
    caf::actor call;
    nlohmann::json id;
    std::string tool;
  };

  caf::actor writer;
  tool_services services;
  bridge_config config;
  bool initialized = false; // initialize answered
  std::string version;
  nlohmann::json client_capabilities;
  mcp::log_level log_level = mcp::log_level::warning;
  std::map<std::string, in_flight> calls;              // by request id as text
  std::map<std::string, caf::response_promise> asked;  // our requests to the client, by id
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

  /// Stops the calls still in flight when the bridge ends, however it ends.
  ~bridge_state();

  static inline const char* name = "bridge";
};

/// One client connection's MCP session. Takes (line, text) and (oversize, size) from the
/// transport, answers protocol requests itself, runs each tools/call on a call actor of its own (so
/// a slow tool never delays a ping or another call), and sends every outgoing line through the one
/// writer.
///
/// Also: (client_req, method, params_json) -> result_json sends a request to the client and routes
/// its response back; (log, level, logger, text) becomes notifications/message at or above the
/// client's level; (shutdown) cancels every call and ends the actor.
caf::behavior bridge_actor(caf::stateful_actor<bridge_state>* self, caf::actor writer,
                           tool_services services, bridge_config config);

} // namespace cua
