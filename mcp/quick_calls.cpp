#include "mcp/quick_calls.hpp"

#include <caf/send.hpp>

#include "messages/atoms.hpp"

namespace cua {

quick_calls::quick_calls(caf::event_based_actor* bridge, caf::timespan bound)
  : bridge_(bridge), bound_(bound) {
}

void quick_calls::start(call_setup setup) {
  auto ticket = setup.ticket;
  auto& call = running_[ticket];
  call.context = std::make_unique<call_context>(bridge_, std::move(setup), call_host::bridge);
  call.deadline = bridge_->clock().now() + bound_;
  arm_sweep();
  // The context is in place before it runs: a handler may end the call at once.
  call.context->start();
}

void quick_calls::resume(uint64_t ticket, uint64_t step) {
  if (auto i = running_.find(ticket); i != running_.end())
    i->second.context->resume(step);
}

void quick_calls::ended(uint64_t ticket) {
  running_.erase(ticket);
}

void quick_calls::abandon(uint64_t ticket) {
  if (auto i = running_.find(ticket); i != running_.end()) {
    i->second.abandoned = true;
    i->second.context->abandon();
  }
}

std::vector<uint64_t> quick_calls::sweep() {
  sweep_armed_ = false;
  auto now = bridge_->clock().now();
  std::vector<uint64_t> overdue;
  for (auto& [ticket, call] : running_) {
    if (call.abandoned || call.deadline > now)
      continue;
    call.abandoned = true;
    call.context->abandon();
    overdue.push_back(ticket);
  }
  bool waiting = false;
  for (auto& entry : running_)
    waiting = waiting || !entry.second.abandoned;
  if (waiting)
    arm_sweep();
  return overdue;
}

void quick_calls::arm_sweep() {
  if (sweep_armed_)
    return;
  sweep_armed_ = true;
  bridge_->delayed_send(bridge_, std::chrono::seconds(1), tick_atom::value);
}

} // namespace cua
