#include "actors/trajectory_actor.hpp"

#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

trajectory_api::behavior_type
trajectory_actor(trajectory_api::stateful_pointer<trajectory_state> self, std::string root,
                 uint64_t max_bytes) {
  log_unexpected_messages(self);
  self->state.store = std::make_unique<trajectory_store>(std::move(root), max_bytes);
  auto warn = [](const caf::error& err) {
    if (err)
      spdlog::warn("recording a task: {}", describe(err));
  };
  return {
    [=](traj_begin_atom, const std::string& key, const nlohmann::json& record) {
      auto dir = self->state.store->begin(key, record);
      if (!dir)
        warn(dir.error());
    },
    [=](traj_step_atom, const std::string& key, nlohmann::json& step,
        const std::vector<std::vector<uint8_t>>& screenshots) {
      warn(self->state.store->add_step(key, std::move(step), screenshots));
    },
    [=](traj_end_atom, const std::string& key, const nlohmann::json& outcome) {
      warn(self->state.store->end(key, outcome));
    },
    [=](flush_atom) {},
    [=](traj_list_atom, const std::string& client) {
      return nlohmann::json(self->state.store->list(client));
    },
    [=](traj_read_atom, const std::string& client, const std::string& folder,
        const std::string& file) -> caf::result<std::string> {
      auto bytes = self->state.store->read(client, folder, file);
      if (!bytes)
        return std::move(bytes.error());
      return std::move(*bytes);
    },
  };
}

} // namespace cua
