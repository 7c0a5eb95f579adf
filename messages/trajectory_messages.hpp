#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/json_payload.hpp"

namespace cua {

/// Where tasks are recorded (actors/trajectory_actor.hpp), each under a key of its own:
/// (traj_begin, key, record) when it starts, (traj_step, key, step, screenshots as PNG bytes) as
/// each step ends, (traj_end, key, outcome) when it ends, however it ends; a request of (flush)
/// is answered once everything sent before it is written. Reading (for resources):
/// (traj_list, client) -> the client's recordings (a JSON array, as trajectory_store::list), and
/// (traj_read, client, folder, file) -> the file's bytes, if the recording is the client's.
using trajectory_api = caf::typed_actor<
  caf::reacts_to<traj_begin_atom, std::string, nlohmann::json>,
  caf::reacts_to<traj_step_atom, std::string, nlohmann::json, std::vector<std::vector<uint8_t>>>,
  caf::reacts_to<traj_end_atom, std::string, nlohmann::json>,
  caf::reacts_to<flush_atom>,
  caf::replies_to<traj_list_atom, std::string>::with<nlohmann::json>,
  caf::replies_to<traj_read_atom, std::string, std::string, std::string>::with<std::string>>;

} // namespace cua
