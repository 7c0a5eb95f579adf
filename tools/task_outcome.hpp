#pragma once

#include <string>

#include <caf/error.hpp>
#include <nlohmann/json.hpp>

#include "mcp/tool_result.hpp"
#include "messages/agent_messages.hpp"

namespace cua {

/// The text a finished task reports: the model's answer, or a fixed line when it said nothing.
std::string task_text(const task_result& result);

/// Returns the structured summary of one task, as run_cua_task and run_multi_cua_tasks give it.
nlohmann::json task_summary(const std::string& task, const std::string& session_id,
                            const task_result& result);

/// Returns the structured summary of a task that failed.
nlohmann::json task_failure(const std::string& task, const std::string& session_id,
                            const caf::error& err);

/// Returns the JSON schema of task_summary / task_failure.
nlohmann::json task_summary_schema();

} // namespace cua
