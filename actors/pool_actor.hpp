#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "actors/computer_actor.hpp"
#include "messages/pool_messages.hpp"

namespace cua {

struct pool_config {
  int32_t size = 10;                             // computers at most, in use or not
  int32_t warm = 1;                              // started spares kept ahead of demand
  caf::timespan acquire_timeout = std::chrono::seconds(30);
  caf::timespan start_timeout = std::chrono::seconds(60);
  caf::timespan reset_timeout = std::chrono::seconds(30);
  caf::timespan stop_timeout = std::chrono::seconds(2);
  std::string backend_name = "sim";
  std::string isolation;   // how the backend isolates its computers, for stats
  bool unconfined = false; // isolation turned off by the operator
  // A backend of given computers (remote ones, by URL) names them here; the pool then never makes
  // more, and a failed one rests for `probe_interval` before it is tried again. Empty: computers
  // are made on demand, called BACKEND-N.
  std::vector<std::string> fixed_ids;
  caf::timespan probe_interval = std::chrono::seconds(30);
};

/// Spawns a computer actor for a new computer called `id` (production: detached, backed by the
/// configured backend; tests: on the deterministic scheduler).
using computer_spawner = std::function<spawned_computer(caf::actor_system& sys, const std::string& id)>;

struct pool_state {
  struct pooled {
    computer_api computer;
    computer_info info;
  };
  struct loan {
    pooled item;
    caf::actor_addr borrower;
  };
  struct waiter {
    uint64_t ticket;
    caf::actor_addr borrower;
    caf::response_promise promise;
  };

  pool_config config;
  computer_spawner spawn_computer;
  std::deque<pooled> idle;
  std::map<caf::actor_addr, loan> on_loan;     // by computer
  struct live_computer {
    std::string id;
    std::function<void()> interrupt; // ends its backend's processes, for a call that hangs
  };

  std::map<caf::actor_addr, live_computer> all; // every live computer actor, by address
  std::deque<waiter> waiters;
  std::set<caf::actor_addr> busy; // computers being started or reset
  std::deque<std::string> vacant; // fixed ids without a computer actor, ready to be tried
  std::map<std::string, std::string> resting; // fixed ids that failed -> why, until their probe
  std::string last_failure;                   // "ID: why" of the latest of them
  uint64_t next_ticket = 1;
  uint64_t next_computer = 1;
  bool closed = false;
  pool_stats counters;

  /// Stops every computer still alive when the pool ends, however it ends.
  ~pool_state();

  static inline const char* name = "pool";
};

/// Hands out computers: warm spares first, new ones while under the size limit, otherwise a FIFO
/// queue bounded by the acquire timeout. Monitors borrowers and computers: a dead borrower's
/// computer comes back, a dead computer is replaced. A returned computer is reset before anyone
/// else gets it, and replaced if the reset fails. With fixed computers (pool_config::fixed_ids) a
/// failed one is out of service until a probe: after the probe interval it is started again
/// when there is demand, and stays out for another interval if that fails too.
///
/// It speaks pool_api (messages/pool_messages.hpp); the sender of (acquire) is the borrower. A
/// computer reported broken is killed (its processes too, so that a call it is stuck in returns)
/// and replaced.
pool_api::behavior_type pool_actor(pool_api::stateful_pointer<pool_state> self, pool_config config,
                                   computer_spawner spawn_computer);

} // namespace cua
