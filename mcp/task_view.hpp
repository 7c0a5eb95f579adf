#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cua::mcp {

/// The states of an MCP task (the protocol's tasks, which run a tools/call in the background; not
/// the agent's task of run_cua_task, which one of them may run).
enum class task_status { working, input_required, completed, failed, cancelled };

const char* to_string(task_status status);

/// Returns whether `status` is final: completed, failed and cancelled never change.
bool is_terminal(task_status status);

/// What a client is shown of one MCP task.
struct task_view {
  std::string id;
  task_status status = task_status::working;
  std::string status_message; // empty: none
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point updated_at;
  int64_t ttl_ms = 0;  // kept this long after its creation
  int64_t poll_ms = 0; // how often a client should ask
};

/// The extension that carries tasks in protocol 2026-07-28.
inline constexpr const char* tasks_extension = "io.modelcontextprotocol/tasks";

/// The _meta key that ties a message to its task (protocol 2025-11-25).
inline constexpr const char* related_task_key = "io.modelcontextprotocol/related-task";

/// Returns `task` as the protocol shows it: protocol 2025-11-25 names its times ttl and
/// pollInterval; the tasks extension of 2026-07-28 (`modern`) names them ttlMs and pollIntervalMs.
nlohmann::json task_json(const task_view& task, bool modern);

/// Returns the answer to a tools/call that created `task`: {task} in 2025-11-25, the task itself
/// with resultType "task" in 2026-07-28.
nlohmann::json create_task_result(const task_view& task, bool modern);

/// Reads a tools/call's request for a task (protocol 2025-11-25: params.task {ttl?}): nothing when
/// it asks none, else the ttl it asks (0: none named). A malformed request is reported in `problem`.
struct task_request {
  bool wanted = false;
  int64_t ttl_ms = 0;
  std::string problem;
};
task_request read_task_request(const nlohmann::json& params);

/// Returns whether a request of protocol 2026-07-28 declares the tasks extension in its client
/// capabilities (params._meta).
bool declares_tasks_extension(const nlohmann::json& params);

/// Returns the data of the -32021 error that tells a client it must declare the tasks extension.
nlohmann::json tasks_extension_required();

} // namespace cua::mcp
