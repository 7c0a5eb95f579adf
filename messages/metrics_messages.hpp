#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"

namespace cua {

/// How a tools/call ended, as the metrics count it.
enum class call_outcome : uint8_t {
  ok,        // answered with a result
  error,     // answered with a tool error (isError), or its actor died
  cancelled, // the client cancelled it, its connection closed, or the server stopped it
};

/// Returns the label the metrics give `outcome`.
inline const char* to_string(call_outcome outcome) {
  switch (outcome) {
    case call_outcome::ok:
      return "ok";
    case call_outcome::error:
      return "error";
    case call_outcome::cancelled:
      return "cancelled";
  }
  return "unknown"; // not reached: the switch names every outcome
}

/// The HTTP transport's own figures, as the listener sees them when it is scraped.
struct http_load {
  int32_t clients = 0; // MCP sessions (Mcp-Session-Id)
  int32_t max_clients = 0;
  int32_t connections = 0; // TCP connections
  int32_t max_connections = 0;
  std::map<int32_t, int64_t> responses; // answers so far, by status
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_load& x) {
  return f(caf::meta::type_name("http_load"), x.clients, x.max_clients, x.connections,
           x.max_connections, x.responses);
}

/// Where the bridges report each tools/call's end: the tool, how long it took (microseconds) and
/// how it ended. The metrics actor (actors/metrics_actor.hpp) is one.
using metrics_sink_api
  = caf::typed_actor<caf::reacts_to<call_ended_atom, std::string, int64_t, call_outcome>>;

/// Tells `metrics` (none: nobody) from `self` that a call of `tool` begun at `started` (on self's
/// clock) ended as `outcome`: what the bridges and the task registry both report.
template <class Self, class Sink>
void count_call_end(Self* self, const Sink& metrics, const std::string& tool,
                    caf::actor_clock::time_point started, call_outcome outcome) {
  if (!metrics)
    return;
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(self->clock().now() - started);
  self->send(metrics, call_ended_atom::value, tool, static_cast<int64_t>(took.count()), outcome);
}

} // namespace cua
