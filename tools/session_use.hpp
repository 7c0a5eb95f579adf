#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp/tool.hpp"
#include "messages/errors.hpp"
#include "messages/session_messages.hpp"

// What several tools share: the session a call works on, and common argument schemas.

namespace cua {

/// Returns the session_id argument of the call, or the connection's default session.
std::string session_id_of(tool_context& ctx);

/// Opens the session the call names (or the default one; without either, a new one whose id the
/// result names) and runs `next` with it; on failure the call ends with the supervisor's
/// explanation.
void with_session(tool_context& ctx, std::function<void(const session_handle&)> next);

/// Asks the session `handle` names `request...` within `timeout`, and ends the call with
/// `make_result(handle, answer)`, or with "`what` failed: why".
template <class Answer, class Timeout, class MakeResult, class... Request>
void ask_and_finish(tool_context& ctx, const session_handle& handle, Timeout timeout,
                    std::string what, MakeResult make_result, Request... request) {
  auto* context = &ctx;
  context->self()
    ->request(handle.session, timeout, request...)
    .then([=](const Answer& answer) { context->finish(make_result(handle, answer)); },
          [=](caf::error& err) {
            context->finish(tool_result::error(what + " failed: " + describe(err)));
          });
}

/// Opens the call's session (as with_session), then ask_and_finish().
template <class Answer, class Timeout, class MakeResult, class... Request>
void ask_session(tool_context& ctx, Timeout timeout, std::string what, MakeResult make_result,
                 Request... request) {
  auto* context = &ctx;
  with_session(ctx, [=](const session_handle& handle) {
    ask_and_finish<Answer>(*context, handle, timeout, what, make_result, request...);
  });
}

/// Returns the schema fragment of the optional session_id argument.
nlohmann::json session_id_property();

/// Returns the schema fragment of the optional screenshot format argument (png, jpeg).
nlohmann::json format_property();

/// Returns the call's screenshot format argument (checked against format_property() already).
image_format format_of(tool_context& ctx);

} // namespace cua
