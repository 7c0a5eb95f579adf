#include <map>
#include <memory>
#include <vector>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tools/session_use.hpp"
#include "tools/task_outcome.hpp"

namespace cua {

namespace {

/// The outcome of each task, by input position, and how many are still running.
struct multi_run {
  std::vector<std::string> tasks;
  std::vector<nlohmann::json> summaries;
  std::vector<std::unique_ptr<encoded_image>> screenshots;
  size_t remaining = 0;
  size_t current = 0; // sequential mode: the task that runs now
  std::map<std::string, size_t> index_of_session; // concurrent mode
};

void finish_all(tool_context& ctx, multi_run& run) {
  tool_result result;
  size_t failed = 0;
  for (size_t i = 0; i < run.tasks.size(); ++i) {
    const auto& summary = run.summaries[i];
    failed += summary["ok"].get<bool>() ? 0 : 1;
    result.add_text("Task " + std::to_string(i + 1) + " (" + run.tasks[i]
                    + "): " + summary["text"].get<std::string>());
    if (run.screenshots[i])
      result.add_image(*run.screenshots[i]);
  }
  result.structured = {{"results", run.summaries},
                       {"completed", run.tasks.size() - failed},
                       {"failed", failed}};
  result.is_error = failed == run.tasks.size();
  ctx.finish(std::move(result));
}

void record(multi_run& run, size_t index, const std::string& session_id, const task_result& r) {
  run.summaries[index] = task_summary(run.tasks[index], session_id, r);
  if (r.has_screenshot)
    run.screenshots[index] = std::make_unique<encoded_image>(r.final_screenshot);
}

void record_failure(multi_run& run, size_t index, const std::string& session_id,
                    const caf::error& err) {
  run.summaries[index] = task_failure(run.tasks[index], session_id, err);
}

// Sequential mode: one task after another on the one session; a failure does not stop the rest.
void run_next(tool_context* ctx, std::shared_ptr<multi_run> run, session_handle handle) {
  if (run->current >= run->tasks.size()) {
    finish_all(*ctx, *run);
    return;
  }
  auto index = run->current;
  ctx->progress("task " + std::to_string(index + 1) + "/" + std::to_string(run->tasks.size())
                + ": starting");
  ctx->self()
    ->request(handle.session, caf::infinite, run_task_atom::value,
              run->tasks[index], caf::actor{ctx->self()})
    .then(
      [=](const task_result& r) {
        record(*run, index, handle.id, r);
        ++run->current;
        run_next(ctx, run, handle);
      },
      [=](caf::error& err) {
        record_failure(*run, index, handle.id, err);
        ++run->current;
        run_next(ctx, run, handle);
      });
}

// Closes a session made for one task; the reply is not needed, but it is taken so that it is not an
// unexpected message.
void close_fresh_session(tool_context* ctx, const std::string& id) {
  ctx->self()
    ->request(ctx->services().supervisor, ctx->services().query_timeout, close_atom::value,
               ctx->services().client, id)
    .then([](const cleanup_report&) {}, [](caf::error&) {});
}

// Concurrent mode: each task gets a fresh session of its own, closed when the task ends (or when
// this call ends, since the supervisor ties ephemeral sessions to the call).
void run_on_fresh_session(tool_context* ctx, std::shared_ptr<multi_run> run, size_t index) {
  auto* self = ctx->self();
  const auto& services = ctx->services();
  auto one_done = [=] {
    if (--run->remaining == 0)
      finish_all(*ctx, *run);
  };
  self->request(services.supervisor, services.query_timeout, open_ephemeral_atom::value,
                services.client)
    .then(
      [=](const session_handle& handle) {
        run->index_of_session[handle.id] = index;
        self
          ->request(handle.session, caf::infinite, run_task_atom::value,
                    run->tasks[index], caf::actor{self})
          .then(
            [=](const task_result& r) {
              record(*run, index, handle.id, r);
              close_fresh_session(ctx, handle.id);
              one_done();
            },
            [=](caf::error& err) {
              record_failure(*run, index, handle.id, err);
              close_fresh_session(ctx, handle.id);
              one_done();
            });
      },
      [=](caf::error& err) {
        record_failure(*run, index, "", err);
        one_done();
      });
}

void run_tasks(tool_context& ctx) {
  const auto& args = ctx.arguments();
  auto run = std::make_shared<multi_run>();
  run->tasks = args.at("tasks").get<std::vector<std::string>>();
  if (static_cast<int32_t>(run->tasks.size()) > ctx.services().max_tasks_per_call) {
    ctx.finish(tool_result::error("too many tasks: at most "
                                  + std::to_string(ctx.services().max_tasks_per_call)
                                  + " per call"));
    return;
  }
  run->summaries.resize(run->tasks.size());
  run->screenshots.resize(run->tasks.size());
  run->remaining = run->tasks.size();
  auto concurrent = args.value("concurrent", false);
  auto* context = &ctx;
  if (concurrent) {
    // Progress of each task is told apart by the session it runs on.
    ctx.on_task_progress([=](const task_progress& p) {
      auto i = run->index_of_session.find(p.session_id);
      auto label = i == run->index_of_session.end() ? std::string{"task"}
                                                    : "task " + std::to_string(i->second + 1);
      context->progress(label + "/" + std::to_string(run->tasks.size()) + ": " + p.message);
    });
    for (size_t i = 0; i < run->tasks.size(); ++i)
      run_on_fresh_session(context, run, i);
    return;
  }
  ctx.on_task_progress([=](const task_progress& p) {
    context->progress("task " + std::to_string(run->current + 1) + "/"
                      + std::to_string(run->tasks.size()) + ": " + p.message);
  });
  with_session(ctx, [=](const session_handle& handle) { run_next(context, run, handle); });
}

} // namespace

tool_definition run_multi_cua_tasks_tool() {
  tool_definition tool{
    "run_multi_cua_tasks",
    "Run several computer-use tasks",
    "Runs several tasks with the computer-use agent. By default they run one after another on the "
    "session's computer. With concurrent: true each task runs at the same time on a fresh session "
    "of its own (its own computer; session_id is then not used), and that session is cleaned up "
    "when the task ends. Results come in input order; a failed task does not stop the others.",
    {{"type", "object"},
     {"properties",
      {{"tasks",
        {{"type", "array"},
         {"items", {{"type", "string"}, {"minLength", 1}, {"maxLength", 100000}}},
         {"minItems", 1},
         {"maxItems", 20},
         {"description", "The tasks, in plain words."}}},
       {"session_id", session_id_property()},
       {"concurrent",
        {{"type", "boolean"},
         {"default", false},
         {"description", "Run the tasks at the same time, each on a fresh session."}}}}},
     {"required", {"tasks"}},
     {"additionalProperties", false}},
    {{"type", "object"},
     {"properties",
      {{"results", {{"type", "array"}, {"items", task_summary_schema()}}},
       {"completed", {{"type", "integer"}}},
       {"failed", {{"type", "integer"}}}}},
     {"required", {"results", "completed", "failed"}}},
    {{"title", "Run several computer-use tasks"},
     {"readOnlyHint", false},
     {"destructiveHint", true},
     {"idempotentHint", false},
     {"openWorldHint", true}},
    run_tasks,
  };
  tool.runs_tasks = true;
  return tool;
}

} // namespace cua
