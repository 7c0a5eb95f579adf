#include "tools/session_use.hpp"

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/ids.hpp"

namespace cua {

std::string session_id_of(tool_context& ctx) {
  const auto& args = ctx.arguments();
  if (auto id = args.find("session_id"); id != args.end() && id->is_string())
    return id->get<std::string>();
  return ctx.services().default_session_id;
}

void with_session(tool_context& ctx, std::function<void(const session_handle&)> next) {
  auto* self = ctx.self();
  auto* context = &ctx;
  auto id = session_id_of(ctx);
  bool minted = id.empty(); // no session_id and no default session: a new, unguessable one
  if (minted)
    id = random_uuid();
  self->request(ctx.services().supervisor, ctx.services().query_timeout, open_atom::value,
                ctx.services().client, id)
    .then(
      [=](const session_handle& handle) {
        if (minted)
          context->started_session(handle.id);
        context->using_session(handle.id);
        next(handle);
      },
      [=](caf::error& err) { context->finish(tool_result::error(describe(err))); });
}

nlohmann::json format_property() {
  return {{"type", "string"},
          {"enum", {"png", "jpeg"}},
          {"default", "png"},
          {"description", "Image format of the screenshot. PNG is exact; JPEG is smaller on busy "
                          "screens. A PNG over 1 MB comes as JPEG."}};
}

image_format format_of(tool_context& ctx) {
  return ctx.arguments().value("format", std::string{"png"}) == "jpeg" ? image_format::jpeg
                                                                       : image_format::png;
}

nlohmann::json session_id_property() {
  return {{"type", "string"},
          {"minLength", 1},
          {"maxLength", 256},
          {"x-mcp-header", "Session-Id"},
          {"description", "The session to use; each session has its own computer. Omit it to use "
                          "this connection's default session (after initialize) or, without "
                          "initialize (protocol 2026-07-28), to start a new session whose id the "
                          "result names: pass that id back to keep using its computer. A new id "
                          "starts a new session."}};
}

} // namespace cua
