#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tools/session_use.hpp"

namespace cua {

namespace {

void take_screenshot(tool_context& ctx) {
  ask_session<encoded_image>(
    ctx, ctx.services().session_call_timeout, "Screenshot",
    [](const session_handle&, const encoded_image& image) {
      tool_result result;
      result.add_image(image);
      return result;
    },
    screenshot_atom::value, format_of(ctx));
}

} // namespace

tool_definition screenshot_cua_tool() {
  return {
    "screenshot_cua",
    "Take a screenshot",
    "Takes a screenshot of the session's computer and returns it as an image (PNG unless asked for "
    "JPEG, or when a PNG would exceed 1 MB), scaled down to fit what models accept; coordinates you "
    "give other tools refer to this image.",
    {{"type", "object"},
     {"properties", {{"session_id", session_id_property()}, {"format", format_property()}}},
     {"additionalProperties", false}},
    nullptr,
    {{"title", "Take a screenshot"},
     {"readOnlyHint", true},
     {"destructiveHint", false},
     {"idempotentHint", true},
     {"openWorldHint", false}},
    take_screenshot,
  };
}

} // namespace cua
