#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/node_id.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/host_messages.hpp"

namespace cua {

struct host_config {
  std::string secret; // the shared node secret; empty: any front may join (loopback only)
  int32_t capacity = 0; // the pool's size
};

struct host_state {
  host_config config;
  pool_api pool;
  std::map<caf::node_id, std::string> nonces; // the challenge given to each asking node
  std::map<caf::node_id, std::string> joined; // nodes that proved the secret -> their name

  static inline const char* name = "host";
};

/// The face a computer host shows the network: a front asks for a challenge, joins with the
/// HMAC of it under the node secret, and only then reaches the pool (acquire, release, broken,
/// stats), each message checked against the node it comes from. A front's sessions borrow through
/// it, so when a front goes away (its connection drops) the pool takes its computers back.
host_api::behavior_type host_actor(host_api::stateful_pointer<host_state> self, host_config config,
                                   pool_api pool);

} // namespace cua
