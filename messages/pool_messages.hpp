#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/computer_messages.hpp"

namespace cua {

/// A computer handed out by the pool. The borrower gives it back with `release_atom`; if the
/// borrower dies first, the pool takes it back by itself.
struct computer_lease {
  computer_api computer;
  computer_info info;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, computer_lease& x) {
  return f(caf::meta::type_name("computer_lease"), x.computer, x.info);
}

/// One computer host a front draws from, as get_session_stats shows it.
struct host_figures {
  std::string address; // HOST:PORT
  std::string state;   // joined, connecting, down
  int32_t capacity = 0;
  int32_t in_use = 0;   // computers this front borrows from it
  int32_t warm = 0;     // its started spares
  int64_t failed = 0;   // its computers that failed
  double round_trip_ms = -1; // of its last stats answer (-1: none)
  std::string last_error;    // why it is down, if it is
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_figures& x) {
  return f(caf::meta::type_name("host_figures"), x.address, x.state, x.capacity, x.in_use, x.warm,
           x.failed, x.round_trip_ms, x.last_error);
}

/// The pool's figures, as get_session_stats shows them.
struct pool_stats {
  int32_t size = 0;     // upper bound on computers
  int32_t warm = 0;     // spares kept started ahead of demand
  int32_t in_use = 0;
  int32_t idle = 0;     // started, waiting to be handed out
  int32_t starting = 0; // being started or reset
  int32_t waiting = 0;  // queued acquisitions
  int32_t unavailable = 0; // fixed computers out of service after a failure, until probed again
  int64_t created = 0;
  int64_t destroyed = 0;
  int64_t failed = 0;
  int64_t timed_out = 0; // acquisitions that hit the acquire timeout
  std::string isolation;  // what keeps one computer from reaching another and the host
  bool unconfined = false; // the operator turned isolation off (warned)
  std::vector<host_figures> hosts; // a front's computer hosts (empty: local computers)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_stats& x) {
  return f(caf::meta::type_name("pool_stats"), x.size, x.warm, x.in_use, x.idle, x.starting,
           x.waiting, x.unavailable, x.created, x.destroyed, x.failed, x.timed_out, x.isolation,
           x.unconfined, x.hosts);
}

/// What anything that lends computers understands: a local pool, or a computer host once joined.
/// Every pool_api and host_api handle converts to it.
using lender_api = caf::typed_actor<
  caf::replies_to<acquire_atom>::with<computer_lease>,
  caf::reacts_to<release_atom, computer_api>,
  caf::reacts_to<broken_atom, computer_api, std::string>,
  caf::replies_to<stats_atom>::with<pool_stats>>;

/// What the pool actor understands (actors/pool_actor.hpp): (acquire) lends a computer to the
/// sender; (release, computer) gives it back; (broken, computer, why) reports one that stopped
/// answering; (stats); (shutdown) answers once every computer is stopped. expire and probe are the
/// pool's own timers.
using pool_api = caf::typed_actor<
  caf::replies_to<acquire_atom>::with<computer_lease>,
  caf::reacts_to<release_atom, computer_api>,
  caf::reacts_to<broken_atom, computer_api, std::string>,
  caf::replies_to<stats_atom>::with<pool_stats>,
  caf::reacts_to<shutdown_atom>,
  caf::reacts_to<expire_atom, uint64_t>,
  caf::reacts_to<probe_atom, std::string>>;

} // namespace cua
