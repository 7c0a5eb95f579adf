#include "agent/http_model.hpp"

#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

struct http_model_state {
  wire_format wire;
  retry_policy retry;
  cancel_flag cancel;
  static inline const char* name = "http_model";
};

model_api::behavior_type http_model(model_api::stateful_pointer<http_model_state> self, wire_format wire,
                         retry_policy retry, cancel_flag cancel) {
  log_unexpected_messages(self);
  self->state.wire = std::move(wire);
  self->state.retry = retry;
  self->state.cancel = std::move(cancel);
  return {
    [=](next_turn_atom, const model_request& request) -> caf::result<model_turn> {
      auto& st = self->state;
      auto http = st.wire.build(request);
      auto response = http_post_with_retries(http, st.retry, st.cancel, [&](const std::string& why) {
        spdlog::warn("{} model call: {}", st.wire.name, why);
      });
      if (!response)
        return response.error();
      // A malformed reply fails the task with the provider's words, never the actor.
      try {
        auto turn = st.wire.parse(*response);
        if (!turn)
          return turn.error();
        return std::move(*turn);
      } catch (const std::exception& e) {
        return make_error(errc::model_failed, st.wire.name + " sent a reply this server cannot read ("
                                                + e.what() + "): " + response->body.substr(0, 300));
      }
    },
  };
}

} // namespace

model_api spawn_http_model(caf::local_actor* task, wire_format wire, retry_policy retry) {
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  // The task's end (cancelled, cleaned up, finished) aborts a call under way through the flag.
  task->attach_functor([cancel] { cancel->store(true); });
  return task->spawn<caf::linked + caf::detached>(http_model, std::move(wire), retry, cancel);
}

std::string provider_error_text(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object()) {
    if (auto e = json.find("error"); e != json.end()) {
      if (e->is_string())
        return e->get<std::string>();
      if (e->is_object() && e->contains("message") && (*e)["message"].is_string())
        return (*e)["message"].get<std::string>();
    }
    if (json.contains("message") && json["message"].is_string())
      return json["message"].get<std::string>();
  }
  return body.substr(0, 300);
}

} // namespace cua
