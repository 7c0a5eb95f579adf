#include "tools/task_outcome.hpp"

#include "messages/errors.hpp"

namespace cua {

std::string task_text(const task_result& result) {
  return result.text.empty() ? "Task completed with no text output." : result.text;
}

nlohmann::json task_summary(const std::string& task, const std::string& session_id,
                            const task_result& result) {
  return {{"task", task},
          {"session_id", session_id},
          {"ok", true},
          {"text", task_text(result)},
          {"stop_reason", result.stop_reason},
          {"steps", result.steps},
          {"actions", result.actions},
          {"input_tokens", result.input_tokens},
          {"output_tokens", result.output_tokens}};
}

nlohmann::json task_failure(const std::string& task, const std::string& session_id,
                            const caf::error& err) {
  return {{"task", task},
          {"session_id", session_id},
          {"ok", false},
          {"text", "Task failed: " + describe(err)},
          {"stop_reason", "error"},
          {"steps", 0},
          {"actions", 0},
          {"input_tokens", 0},
          {"output_tokens", 0}};
}

nlohmann::json task_summary_schema() {
  return {{"type", "object"},
          {"properties",
           {{"task", {{"type", "string"}}},
            {"session_id", {{"type", "string"}}},
            {"ok", {{"type", "boolean"}}},
            {"text", {{"type", "string"}, {"description", "the agent's answer or why it failed"}}},
            {"stop_reason",
             {{"type", "string"}, {"enum", {"completed", "step_limit", "error"}}}},
            {"steps", {{"type", "integer"}, {"description", "model turns"}}},
            {"actions", {{"type", "integer"}, {"description", "actions done on the computer"}}},
            {"input_tokens", {{"type", "integer"}}},
            {"output_tokens", {{"type", "integer"}}}}},
          {"required", {"task", "session_id", "ok", "text", "stop_reason", "steps", "actions"}}};
}

} // namespace cua
