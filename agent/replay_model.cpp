#include "agent/replay_model.hpp"

#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "agent/replay_script.hpp"
#include "messages/agent_messages.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

struct replay_state {
  std::vector<model_turn> turns;
  size_t next = 0;
  static inline const char* name = "replay_model";
};

model_api::behavior_type replay_model(model_api::stateful_pointer<replay_state> self, std::vector<model_turn> turns) {
  log_unexpected_messages(self);
  self->state.turns = std::move(turns);
  return {
    [=](next_turn_atom, const model_request&) -> caf::result<model_turn> {
      auto& st = self->state;
      if (st.next >= st.turns.size())
        return make_error(errc::model_failed,
                          "the replay script ended after " + std::to_string(st.turns.size())
                            + " turns without a final turn (a turn with no actions)");
      return st.turns[st.next++];
    },
  };
}

} // namespace

caf::expected<model_api> spawn_replay_model(caf::local_actor* task, const std::string& path,
                                             const model_options&) {
  // The script is a small local file; reading it here keeps the provider a plain event-based actor.
  auto turns = load_replay_script(path);
  if (!turns)
    return turns.error();
  return task->spawn<caf::linked>(replay_model, std::move(*turns));
}

} // namespace cua
