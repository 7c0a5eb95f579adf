#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tools/session_use.hpp"

namespace cua {

namespace {

void cleanup(tool_context& ctx) {
  auto* context = &ctx;
  auto id = ctx.arguments().at("session_id").get<std::string>();
  ctx.self()
    ->request(ctx.services().supervisor, ctx.services().query_timeout, close_atom::value,
               ctx.services().client, id)
    .then(
      [=](const cleanup_report& report) {
        std::string text = "Session " + report.session_id + " cleaned up: cancelled "
                           + std::to_string(report.cancelled_tasks) + " running task(s)";
        text += report.computer_returned ? ", returned its computer to the pool."
                                         : "; it had no computer to return.";
        tool_result result;
        result.add_text(text);
        context->finish(std::move(result));
      },
      [=](caf::error& err) {
        context->finish(tool_result::error("Cannot clean up session \"" + id + "\": " + describe(err)));
      });
}

} // namespace

tool_definition cleanup_session_tool() {
  return {
    "cleanup_session",
    "End a session",
    "Ends a session: cancels its running tasks, gives its computer back to the pool (reset before "
    "anyone else uses it) and forgets the session. Replies once all of that is done.",
    {{"type", "object"},
     {"properties",
      {{"session_id",
        {{"type", "string"}, {"minLength", 1}, {"maxLength", 256},
         {"description", "The session to end (see get_session_stats)."}}}}},
     {"required", {"session_id"}},
     {"additionalProperties", false}},
    nullptr,
    {{"title", "End a session"},
     {"readOnlyHint", false},
     {"destructiveHint", true},
     {"idempotentHint", false},
     {"openWorldHint", false}},
    cleanup,
  };
}

} // namespace cua
