#pragma once

#include <cstdint>
#include <string>

#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/pool_messages.hpp"

namespace cua {

/// What a computer host (`--role host`, actors/host_actor) publishes on its node port, and all a
/// front reaches on it: the pool of its computers behind a handshake. (challenge) -> a fresh nonce
/// for the asking node; (join, front, proof) -> the host's capacity, once proof is the HMAC of that
/// nonce under the shared node secret; then the pool's own messages. Every message here is
/// serializable: it crosses machines.
using host_api = caf::typed_actor<
  caf::replies_to<challenge_atom>::with<std::string>,
  caf::replies_to<join_atom, std::string, std::string>::with<int32_t>,
  caf::replies_to<acquire_atom>::with<computer_lease>,
  caf::reacts_to<release_atom, computer_api>,
  caf::reacts_to<broken_atom, computer_api, std::string>,
  caf::replies_to<stats_atom>::with<pool_stats>>;

} // namespace cua
