#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tools/session_use.hpp"
#include "tools/task_outcome.hpp"

namespace cua {

namespace {

void run_task(tool_context& ctx) {
  auto* context = &ctx;
  auto task = ctx.arguments().at("task").get<std::string>();
  with_session(ctx, [=](const session_handle& handle) {
    context->progress("running the task on session " + handle.id);
    // The call's actor hears the task's progress; the task has no bound of its own here (its
    // steps are bounded).
    ask_and_finish<task_result>(
      *context, handle, caf::infinite, "Task",
      [task](const session_handle& session, const task_result& outcome) {
        tool_result result;
        result.add_text(task_text(outcome));
        if (outcome.has_screenshot)
          result.add_image(outcome.final_screenshot);
        result.structured = task_summary(task, session.id, outcome);
        return result;
      },
      run_task_atom::value, task, caf::actor{context->self()});
  });
}

} // namespace

tool_definition run_cua_task_tool() {
  tool_definition tool{
    "run_cua_task",
    "Run a computer-use task",
    "Hands a task in plain words to a computer-use agent that works on the session's computer "
    "(looking at the screen, clicking, typing) until it is done. Returns the agent's answer and a "
    "final screenshot. Reports progress at every step.",
    {{"type", "object"},
     {"properties",
      {{"task",
        {{"type", "string"},
         {"minLength", 1},
         {"maxLength", 100000},
         {"description", "What the agent should do, in plain words."}}},
       {"session_id", session_id_property()}}},
     {"required", {"task"}},
     {"additionalProperties", false}},
    task_summary_schema(),
    {{"title", "Run a computer-use task"},
     {"readOnlyHint", false},
     {"destructiveHint", true},
     {"idempotentHint", false},
     {"openWorldHint", true}},
    run_task,
  };
  tool.runs_tasks = true;
  return tool;
}

} // namespace cua
