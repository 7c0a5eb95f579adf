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
    auto* self = context->self();
    auto session_id = handle.id;
    context->progress("running the task on session " + session_id);
    self
      ->request(handle.session, caf::infinite, run_task_atom::value, task,
                caf::actor{self})
      .then(
        [=](const task_result& outcome) {
          tool_result result;
          result.add_text(task_text(outcome));
          if (outcome.has_screenshot)
            result.add_image(outcome.final_screenshot);
          result.structured = task_summary(task, session_id, outcome);
          context->finish(std::move(result));
        },
        [=](caf::error& err) {
          context->finish(tool_result::error("Task failed: " + describe(err)));
        });
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
