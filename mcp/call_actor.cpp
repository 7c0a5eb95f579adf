#include "mcp/call_actor.hpp"

#include <caf/event_based_actor.hpp>

#include "mcp/protocol.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/json_payload.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

call_state::call_state() = default;

call_state::~call_state() = default;

caf::behavior call_actor(caf::stateful_actor<call_state>* self, call_setup setup) {
  log_unexpected_messages(self);
  self->state.context = std::make_unique<call_context>(self, std::move(setup), call_host::own_actor);
  auto* ctx = self->state.context.get();
  ctx->start();
  return {
    [=](progress_atom, const task_progress& p) { ctx->task_progress_reported(p); },
    [=](heartbeat_atom) { ctx->heartbeat(); },
    [=](log_atom, int32_t level, const std::string& logger, const std::string& text) {
      ctx->log_reported(level, logger, text);
    },
    [=](resume_atom, uint64_t, uint64_t step) { ctx->resume(step); },
    // A task's request to the client (sampling) goes out through this call's connection.
    [=](client_req_atom, std::string& method, nlohmann::json& params) -> caf::result<nlohmann::json> {
      // The stateless revision has no requests from server to client: it asks for input with
      // results that end the call, which an agent loop running inside one call cannot use.
      if (ctx->protocol_version() == mcp::modern_version())
        return make_error(errc::model_failed,
                          "the sampling provider asks the client's model through " + method
                            + ", a request from server to client, which protocol "
                            + mcp::modern_version() + " (no initialize) does not have; connect "
                            "with initialize (a 2025 revision) to use it, or choose a provider "
                            "with --model / CUA_MODEL_NAME");
      // Asked, not delegated: the bridge's side (a task registry) must see this call as the
      // asker, to know which task it is. The model's own timeout bounds the wait; this bound only
      // keeps the call from holding the request forever.
      auto rp = self->make_response_promise<nlohmann::json>();
      self->request(ctx->bridge(), caf::timespan{std::chrono::hours(1)}, client_req_atom::value, std::move(method),
                    std::move(params))
        .then([rp](nlohmann::json& answer) mutable { rp.deliver(std::move(answer)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

} // namespace cua
