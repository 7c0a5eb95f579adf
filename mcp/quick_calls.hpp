#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/timespan.hpp>

#include "mcp/call_context.hpp"

namespace cua {

/// The tool calls a bridge runs on its own actor (tool_definition::quick): each makes one
/// supervisor query and ends in its continuation, so an actor per call would cost more than the
/// call (benchmarks/RESULTS.md, "Does the quick path pay?"). Such a call cannot be killed, so it is
/// bounded here instead: its context stays until its end arrives (its continuation refers to it),
/// and a call still running after `bound` is reported overdue, once a second.
class quick_calls {
public:
  quick_calls(caf::event_based_actor* bridge, caf::timespan bound);

  /// Runs the call on the bridge; its end comes back as (call_done, key, ticket, line, tool_error).
  void start(call_setup setup);

  /// Runs a continuation of after() (the bridge got (resume, ticket, step)).
  void resume(uint64_t ticket, uint64_t step);

  /// The call's end arrived: its context is no longer referred to.
  void ended(uint64_t ticket);

  /// Nobody waits for the call any more (cancelled or overdue): it reports nothing more.
  void abandon(uint64_t ticket);

  /// Handles the once-a-second tick: returns the tickets of the calls past their bound (each
  /// abandoned already), and arms the next tick while any call runs.
  std::vector<uint64_t> sweep();

  bool empty() const { return running_.empty(); }

  /// Returns the bound on one call (the supervisor query timeout), for error messages.
  caf::timespan bound() const { return bound_; }

private:
  struct running {
    std::unique_ptr<call_context> context;
    caf::actor_clock::time_point deadline;
    bool abandoned = false;
  };

  void arm_sweep();

  caf::event_based_actor* bridge_;
  caf::timespan bound_;
  std::map<uint64_t, running> running_;
  bool sweep_armed_ = false;
};

} // namespace cua
