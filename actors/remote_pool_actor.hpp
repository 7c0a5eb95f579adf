#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_response_promise.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/io/middleman_actor.hpp>

#include "messages/host_messages.hpp"
#include "messages/pool_messages.hpp"

namespace cua {

/// A computer host a front draws from, HOST:PORT.
struct host_address {
  std::string host;
  uint16_t port = 0;

  std::string text() const { return port == 0 ? host : host + ":" + std::to_string(port); }
};

struct remote_pool_config {
  std::vector<host_address> hosts;
  std::string front_name = "front";
  std::string secret;                                       // the shared node secret
  caf::timespan host_timeout = std::chrono::seconds(10);    // a host's answers, and connecting
  caf::timespan acquire_timeout = std::chrono::seconds(30); // a host's pool may queue that long
  caf::timespan first_backoff = std::chrono::seconds(1);    // reconnecting, doubled up to 30 s
  /// Whom to ask to connect to a host: none, the actor system's middleman (tests give their own).
  caf::io::middleman_actor middleman;
  /// Computers of the front's own, placed like a host's ("local"); none: hosts only.
  pool_api local_pool;
  int32_t local_capacity = 0;
};

enum class host_link { connecting, joined, down };

struct remote_pool_state {
  struct host_entry {
    host_address address;
    host_link link = host_link::down;
    host_api host;      // for the handshake; none for the local pool
    lender_api lender;  // where its computers come from, once joined
    bool local = false; // the front's own computers (--local-computers)
    int32_t capacity = 0;
    int32_t in_use = 0; // computers this front borrows from it
    caf::timespan backoff{};
    std::string last_error;
  };
  struct loan {
    size_t host = 0;
    caf::actor_addr borrower;
    computer_api computer;
  };

  struct waiting_borrower {
    uint64_t ticket = 0;
    caf::actor borrower;
    caf::typed_response_promise<computer_lease> promise;
  };

  remote_pool_config config;
  std::vector<host_entry> hosts;
  /// One FIFO queue across hosts: acquisitions that found no joined host with room (every
  /// computer in use, or the front just started and is still connecting), served in order as
  /// computers come back or hosts join, each bounded by acquire_timeout; refused at once when no
  /// host is joined or being connected to.
  std::deque<waiting_borrower> waiting;
  uint64_t next_ticket = 1;
  std::map<caf::actor_addr, loan> on_loan; // by computer
  bool closed = false;

  static inline const char* name = "remote_pool";
};

/// The front's pool when computers live on other machines (`--hosts`): speaks pool_api to the
/// supervisor and sessions like the local pool, and borrows from computer hosts (actors/host_actor)
/// reached through CAF's middleman. Connects to each host and joins it with the node secret,
/// reconnecting with backoff when it goes away; places each new computer on the joined host with
/// the most free room, and queues (FIFO, across hosts) when none has any; gives back the
/// computers of borrowers that stop.
pool_api::behavior_type remote_pool_actor(pool_api::stateful_pointer<remote_pool_state> self,
                                          remote_pool_config config);

} // namespace cua
