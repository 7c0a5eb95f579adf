#include <nlohmann/json.hpp>

#include "computers/action_parsing.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tools/session_use.hpp"

namespace cua {

namespace {

// After the action: a fresh screenshot, unless the caller said screenshot: false. `settling`,
// for actions that act on the screen, says how the screen settled, also as structured content.
void finish_with_screen(tool_context* ctx, const session_handle& handle, std::string text,
                        nlohmann::json settling = nullptr) {
  auto with_settling = [settling](tool_result& result) {
    if (!settling.is_null())
      result.set_structured(settling);
  };
  if (!ctx->arguments().value("screenshot", true)) {
    tool_result result;
    result.add_text(text);
    with_settling(result);
    ctx->finish(std::move(result));
    return;
  }
  ctx->self()
    ->request(handle.session, ctx->services().session_call_timeout, screenshot_atom::value,
              format_of(*ctx))
    .then(
      [=](const encoded_image& image) {
        tool_result result;
        result.add_text(text);
        result.add_image(image);
        with_settling(result);
        ctx->finish(std::move(result));
      },
      [=](caf::error& err) {
        ctx->finish(tool_result::error(text + ", but the screenshot failed: " + describe(err)));
      });
}

void run_action(tool_context& ctx) {
  auto* context = &ctx;
  auto input = ctx.arguments();
  input.erase("session_id");
  input.erase("screenshot");
  input.erase("format");
  auto action = parse_action(input);
  if (!action) {
    ctx.finish(tool_result::error(describe(action.error())));
    return;
  }
  if (auto refusal = ctx.services().rights->refusal_of_action(to_string(action->kind));
      !refusal.empty()) {
    ctx.finish(tool_result::error(refusal));
    return;
  }
  auto what = describe(*action);
  with_session(ctx, [=](const session_handle& handle) {
    switch (action->kind) {
      case action_kind::screenshot:
        finish_with_screen(context, handle, "screenshot");
        return;
      case action_kind::wait:
        context->progress("waiting " + std::to_string(action->duration_s) + " s");
        context->after(std::chrono::duration_cast<caf::timespan>(
                         std::chrono::duration<double>(action->duration_s)),
                       [=] { finish_with_screen(context, handle, what + " done"); });
        return;
      default:
        break;
    }
    context->self()
      ->request(handle.session, context->services().session_call_timeout, perform_atom::value,
                *action)
      .then(
        [=](const action_outcome& outcome) {
          auto text = outcome.text.empty() ? what + " done" : outcome.text;
          if (action->kind == action_kind::cursor_position) {
            tool_result result;
            result.add_text(text);
            context->finish(std::move(result));
            return;
          }
          nlohmann::json settling{{"action", to_string(action->kind)},
                                   {"settled", outcome.settled},
                                   {"settle_ms", outcome.settle_ms}};
          finish_with_screen(context, handle, text + "; " + describe_settling(outcome), settling);
        },
        [=](caf::error& err) {
          context->finish(tool_result::error(what + " failed: " + describe(err)));
        });
  });
}

nlohmann::json point_schema(const char* description) {
  return {{"type", "array"},
          {"items", {{"type", "integer"}, {"minimum", 0}}},
          {"minItems", 2},
          {"maxItems", 2},
          {"description", description}};
}

} // namespace

tool_definition computer_tool() {
  return {
    "computer",
    "Use the computer directly",
    "Does one action on the session's computer, in the vocabulary of Anthropic's computer tool, and "
    "returns a fresh screenshot (unless screenshot is false), taken once the screen has settled "
    "(the result says how long that took, and whether the screen was still changing at the "
    "bound). Coordinates are in the screenshot's "
    "image space. Keys are X names or chords: \"Return\", \"ctrl+shift+t\", \"Page_Down\", "
    "\"super\". Typed text may hold any Unicode characters.",
    {{"type", "object"},
     {"properties",
      {{"action",
        {{"type", "string"},
         {"enum",
          {"screenshot", "left_click", "right_click", "middle_click", "double_click",
           "triple_click", "mouse_move", "left_click_drag", "left_mouse_down", "left_mouse_up",
           "scroll", "key", "type", "hold_key", "wait", "cursor_position"}},
         {"description", "What to do."}}},
       {"coordinate", point_schema("[x, y] in the screenshot: where to click, move, scroll, or "
                                   "where a drag ends.")},
       {"start_coordinate", point_schema("[x, y] where left_click_drag starts.")},
       {"text",
        {{"type", "string"},
         {"description", "key / hold_key: the key or chord; type: the text; clicks and scroll: "
                         "modifier keys to hold, e.g. \"shift\"."}}},
       {"scroll_direction",
        {{"type", "string"}, {"enum", {"up", "down", "left", "right"}}}},
       {"scroll_amount", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}},
       {"duration",
        {{"type", "number"}, {"minimum", 0}, {"maximum", 100},
         {"description", "Seconds, for wait and hold_key."}}},
       {"screenshot",
        {{"type", "boolean"}, {"default", true},
         {"description", "Return a screenshot after the action."}}},
       {"format", format_property()},
       {"session_id", session_id_property()}}},
     {"required", {"action"}},
     {"additionalProperties", false}},
    nullptr,
    {{"title", "Use the computer directly"},
     {"readOnlyHint", false},
     {"destructiveHint", true},
     {"idempotentHint", false},
     {"openWorldHint", true}},
    run_action,
  };
}

} // namespace cua
