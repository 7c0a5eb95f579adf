#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <nlohmann/json.hpp>

#include "mcp/call_context.hpp"
#include "mcp/task_view.hpp"
#include "messages/audit_messages.hpp"
#include "messages/metrics_messages.hpp"

namespace cua {

/// A tools/call to run as an MCP task.
struct task_order {
  call_setup setup;   // as the bridge would start the call; the registry says where it reports
  std::string owner;  // the client it belongs to (tool_services::client)
  caf::actor bridge;  // the owner's bridge: the call's requests to the client go through it
  caf::actor writer;  // where its status notifications and progress go; none: nowhere
  int64_t ttl_ms = 0; // as asked; 0: the longest allowed
  bool modern = false; // created through the tasks extension of 2026-07-28
};

struct task_registry_config {
  int32_t max_per_owner = 64;                  // tasks kept per client, running or finished
  uint64_t max_bytes_per_owner = 256ull << 20; // bytes of results kept per client
  caf::timespan ttl_max = std::chrono::hours(1);
  caf::timespan poll_interval = std::chrono::seconds(2);
};

struct task_registry_state {
  struct entry {
    mcp::task_view view;
    uint64_t seq = 0; // creation order, for tasks/list
    std::string owner;
    std::string tool;
    caf::actor call; // while it runs
    caf::actor bridge;
    caf::actor writer;
    bool modern = false;
    nlohmann::json client_progress_token; // null: the client asked for no progress
    nlohmann::json result; // the call's result (null: none)
    nlohmann::json error;  // the call's JSON-RPC error (null: none)
    size_t bytes = 0;
    caf::actor_clock::time_point started;
    metrics_sink_api metrics; // where its end is counted; none: nowhere
    audit_api audit;          // where its end is recorded; none: nowhere
    nlohmann::json audit_record; // its audit record so far
    std::vector<caf::response_promise> waiting; // tasks/result requests
  };

  task_registry_config config;
  std::map<std::string, entry> tasks; // by task id
  uint64_t next_seq = 1;

  /// Stops the calls still running when the registry ends, however it ends.
  ~task_registry_state();

  static inline const char* name = "mcp_tasks";
};

/// The MCP tasks of every client (the protocol's tasks, which run a tools/call in the background
/// and keep its result for the task's ttl): one per server, so that a task outlives the request and
/// the connection that created it, and the stateless revision, which has no connection to keep
/// state in, finds its tasks too. Each task runs on a call actor of its own that reports here as
/// it would to a bridge; a task belongs to the client that created it, and another client never
/// sees it (it is "unknown" to them).
///
/// Messages (owner: the asking client; ids unknown to it are -32602 to the bridge):
/// - (task_create, task_order) -> json, the answer to the tools/call (mcp::create_task_result);
///   refused (task_limit_reached) past the owner's bounds.
/// - (task_get, owner, id, modern) -> json: the task; with modern, its result or error inline.
/// - (task_result, owner, id) -> json: waits for the task's end, then its call's result with the
///   related-task _meta (its JSON-RPC error as an error; a cancelled task's result says so).
/// - (task_list, owner, cursor) -> json {tasks, nextCursor?}.
/// - (task_cancel, owner, id, modern) -> json: stops it (its computer is freed); the task, now
///   cancelled (2025-11-25; a finished task is refused) or an empty acknowledgement (modern).
/// - (task_update, owner, id) -> json: the acknowledgement of tasks/update (no task asks input).
/// - (task_count, owner) -> int32: the tasks kept for it.
/// - (owner_gone, owner): the client ended (its MCP session): its tasks stop and are forgotten.
/// - (shutdown) -> unit: every running task is cancelled and every waiter answered.
caf::behavior task_registry_actor(caf::stateful_actor<task_registry_state>* self,
                                  task_registry_config config);

} // namespace cua

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cua::task_order)
