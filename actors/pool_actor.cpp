#include "actors/pool_actor.hpp"

#include <memory>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using pool_ptr = pool_api::stateful_pointer<pool_state>;
using pooled = pool_state::pooled;

int32_t total(const pool_state& st) {
  return static_cast<int32_t>(st.idle.size() + st.on_loan.size() + st.busy.size());
}

void start_one(pool_ptr self);

bool has_fixed_computers(const pool_state& st) {
  return !st.config.fixed_ids.empty();
}

void hand_out(pool_ptr self, pooled item, pool_state::waiter& w) {
  auto& st = self->state;
  st.on_loan.emplace(item.computer.address(), pool_state::loan{item, w.borrower});
  w.promise.deliver(computer_lease{item.computer, item.info});
}

// Whether no computer could serve a waiter before a probe: all fixed ones out of service.
bool all_out_of_service(const pool_state& st) {
  return has_fixed_computers(st) && !st.resting.empty() && st.idle.empty() && st.busy.empty()
         && st.on_loan.empty() && st.vacant.empty();
}

caf::error out_of_service_error(const pool_state& st) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(st.config.probe_interval).count();
  return make_error(errc::computer_failed,
                    "no computer can be used now: all " + std::to_string(st.resting.size())
                      + " are out of service after failures and are tried again every "
                      + std::to_string(secs) + " s (--probe-interval); the last failure: "
                      + st.last_failure);
}

// Waiting is pointless when nothing could serve: waiters hear why at once instead of at their
// acquire timeout.
void refuse_waiters_if_hopeless(pool_ptr self) {
  auto& st = self->state;
  if (!all_out_of_service(st))
    return;
  auto err = out_of_service_error(st);
  for (auto& w : st.waiters)
    w.promise.deliver(err);
  st.waiters.clear();
}

// Starts computers until the waiters and the warm spares are covered, within the size limit.
// Waiters nothing could serve before a probe are refused, with the reason.
void fill(pool_ptr self) {
  auto& st = self->state;
  if (st.closed)
    return;
  auto wanted = static_cast<int32_t>(st.waiters.size()) + st.config.warm;
  while (static_cast<int32_t>(st.idle.size() + st.busy.size()) < wanted
         && total(st) < st.config.size && (!has_fixed_computers(st) || !st.vacant.empty()))
    start_one(self);
  refuse_waiters_if_hopeless(self);
}

// Gives a ready computer to the longest waiter, or keeps it as a spare.
void make_available(pool_ptr self, pooled item) {
  auto& st = self->state;
  if (st.closed) {
    self->send(item.computer, stop_atom::value);
    return;
  }
  if (!st.waiters.empty()) {
    auto w = std::move(st.waiters.front());
    st.waiters.pop_front();
    hand_out(self, std::move(item), w);
    return;
  }
  st.idle.push_back(std::move(item));
}

void fail_front_waiter(pool_ptr self, const caf::error& err) {
  auto& st = self->state;
  if (st.waiters.empty())
    return;
  st.waiters.front().promise.deliver(err);
  st.waiters.pop_front();
}

// A fixed computer's id is free again: at once, or after the probe interval if it failed.
void vacate(pool_ptr self, const std::string& id, const std::string& failure) {
  auto& st = self->state;
  if (!has_fixed_computers(st) || st.closed)
    return;
  if (failure.empty()) {
    st.vacant.push_back(id);
    return;
  }
  st.resting[id] = failure;
  st.last_failure = id + ": " + failure;
  self->delayed_send(self, st.config.probe_interval, probe_atom::value, id);
}

// Forgets a computer actor that leaves the pool and frees its id; `failure` says why it goes
// (empty: it did not fail).
void let_go(pool_ptr self, const caf::actor_addr& computer, const std::string& failure) {
  auto& st = self->state;
  auto i = st.all.find(computer);
  if (i == st.all.end())
    return;
  ++st.counters.destroyed;
  vacate(self, i->second.id, failure);
  st.all.erase(i);
}

void discard(pool_ptr self, const computer_api& computer, const std::string& failure) {
  let_go(self, computer.address(), failure);
  self->demonitor(computer.address());
  self->send(computer, stop_atom::value);
}

void start_one(pool_ptr self) {
  auto& st = self->state;
  std::string id;
  if (has_fixed_computers(st)) {
    id = std::move(st.vacant.front());
    st.vacant.pop_front();
  } else {
    id = st.config.backend_name + "-" + std::to_string(st.next_computer++);
  }
  auto spawned = st.spawn_computer(self->system(), id);
  auto computer = spawned.actor;
  self->monitor(computer);
  st.all.emplace(computer.address(), pool_state::live_computer{id, std::move(spawned.interrupt)});
  st.busy.insert(computer.address());
  self->request(computer, st.config.start_timeout, start_atom::value)
    .then(
      [=](const computer_info& info) {
        auto& st = self->state;
        if (st.busy.erase(computer.address()) == 0)
          return; // it died meanwhile and was accounted for then
        ++st.counters.created;
        make_available(self, pooled{computer, info});
      },
      [=](caf::error& err) {
        auto& st = self->state;
        if (st.busy.erase(computer.address()) == 0)
          return;
        ++st.counters.failed;
        spdlog::warn("computer {} failed to start: {}", id, describe(err));
        discard(self, computer, describe(err));
        // The failure goes to the longest waiter rather than into a retry loop, so that a broken
        // backend shows up as a clear error instead of a busy pool.
        fail_front_waiter(self, make_error(errc::computer_failed,
                                           "a computer failed to start: " + describe(err)));
        if (!st.waiters.empty())
          fill(self);
      });
}

// Resets a returned computer and makes it available again, or replaces it.
void recycle(pool_ptr self, pooled item) {
  auto& st = self->state;
  if (st.closed) {
    discard(self, item.computer, {});
    return;
  }
  st.busy.insert(item.computer.address());
  self->request(item.computer, st.config.reset_timeout, reset_atom::value)
    .then(
      [=](const computer_info& info) {
        if (self->state.busy.erase(item.computer.address()) == 0)
          return;
        make_available(self, pooled{item.computer, info});
        fill(self);
      },
      [=](caf::error& err) {
        auto& st = self->state;
        if (st.busy.erase(item.computer.address()) == 0)
          return;
        auto failed = err != errc::not_reusable;
        if (!failed) {
          spdlog::debug("computer {} is replaced", item.info.id);
        } else {
          ++st.counters.failed;
          spdlog::warn("computer {} failed to reset and is {}: {}", item.info.id,
                       has_fixed_computers(st) ? "out of service until probed again" : "replaced",
                       describe(err));
        }
        discard(self, item.computer, failed ? describe(err) : std::string{});
        fill(self);
      });
}

void take_back_from(pool_ptr self, const caf::actor_addr& borrower) {
  auto& st = self->state;
  std::vector<pooled> returned;
  for (auto i = st.on_loan.begin(); i != st.on_loan.end();) {
    if (i->second.borrower == borrower) {
      returned.push_back(i->second.item);
      i = st.on_loan.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& item : returned) {
    spdlog::info("computer {} taken back from a borrower that stopped", item.info.id);
    recycle(self, std::move(item));
  }
  for (auto i = st.waiters.begin(); i != st.waiters.end();)
    i = i->borrower == borrower ? st.waiters.erase(i) : i + 1;
}

void forget_computer(pool_ptr self, const caf::actor_addr& computer, const caf::error& reason) {
  auto& st = self->state;
  auto why = reason ? describe(reason) : std::string("it stopped");
  spdlog::warn("computer {} stopped unexpectedly ({}) and is {}", st.all[computer].id, why,
               has_fixed_computers(st) ? "out of service until probed again" : "replaced");
  let_go(self, computer, why);
  st.busy.erase(computer); // a start or reset that will never answer
  ++st.counters.failed;
  for (auto i = st.idle.begin(); i != st.idle.end(); ++i)
    if (i->computer.address() == computer) {
      st.idle.erase(i);
      break;
    }
  st.on_loan.erase(computer);
  fill(self);
}

pool_stats current_stats(const pool_state& st) {
  auto out = st.counters;
  out.size = st.config.size;
  out.warm = st.config.warm;
  out.isolation = st.config.isolation;
  out.unconfined = st.config.unconfined;
  out.in_use = static_cast<int32_t>(st.on_loan.size());
  out.idle = static_cast<int32_t>(st.idle.size());
  out.starting = static_cast<int32_t>(st.busy.size());
  out.waiting = static_cast<int32_t>(st.waiters.size());
  out.unavailable = static_cast<int32_t>(st.resting.size());
  return out;
}

// Hands an idle computer to the sender, or queues it until one is free (bounded by
// acquire_timeout).
caf::result<computer_lease> lend(pool_ptr self) {
  auto& st = self->state;
  if (st.closed)
    return make_error(errc::pool_closed, "the server is shutting down");
  auto borrower = caf::actor_cast<caf::actor>(self->current_sender());
  if (!borrower)
    return make_error(errc::internal, "an anonymous sender cannot borrow a computer");
  self->monitor(borrower);
  pool_state::waiter w{st.next_ticket++, borrower.address(),
                       self->make_response_promise<computer_lease>()};
  if (!st.idle.empty()) {
    auto item = std::move(st.idle.front());
    st.idle.pop_front();
    hand_out(self, std::move(item), w);
    fill(self);
    return w.promise;
  }
  self->delayed_send(self, st.config.acquire_timeout, expire_atom::value, w.ticket);
  auto promise = w.promise;
  st.waiters.push_back(std::move(w));
  fill(self);
  return promise;
}

// A waiter's acquire_timeout is up: it hears why no computer came.
void expire(pool_ptr self, uint64_t ticket) {
  auto& st = self->state;
  for (auto i = st.waiters.begin(); i != st.waiters.end(); ++i) {
    if (i->ticket != ticket)
      continue;
    ++st.counters.timed_out;
    auto why = st.resting.empty()
                 ? "all " + std::to_string(st.config.size)
                     + " computers of the pool are in use (--pool-size)"
                 : std::to_string(st.on_loan.size()) + " computers are in use and "
                     + std::to_string(st.resting.size())
                     + " out of service after failures (probed again later)";
    i->promise.deliver(pool_timeout_error(st.config.acquire_timeout, why));
    st.waiters.erase(i);
    return;
  }
}

// A borrower found its computer broken: it is killed and a new one started in its place.
void replace_broken(pool_ptr self, const computer_api& computer, const std::string& why) {
  auto& st = self->state;
  auto i = st.on_loan.find(computer.address());
  if (i == st.on_loan.end())
    return;
  spdlog::warn("computer {} is replaced: {}", i->second.item.info.id, why);
  st.on_loan.erase(i);
  // Its thread may be blocked in a call to a hung process: ending the processes ends the call.
  if (auto live = st.all.find(computer.address()); live != st.all.end() && live->second.interrupt)
    live->second.interrupt();
  self->demonitor(computer.address());
  self->send_exit(computer, caf::exit_reason::kill);
  let_go(self, computer.address(), why);
  ++st.counters.failed;
  fill(self);
}

// Refuses every waiter, stops every computer (killed past stop_timeout), and ends once all are
// stopped.
caf::result<void> close_pool(pool_ptr self) {
  auto& st = self->state;
  st.closed = true;
  for (auto& w : st.waiters)
    w.promise.deliver(make_error(errc::pool_closed, "the server is shutting down"));
  st.waiters.clear();
  st.idle.clear();
  st.on_loan.clear();
  st.busy.clear();
  auto rp = self->make_response_promise();
  if (st.all.empty()) {
    rp.deliver(caf::unit); // once a promise exists, a returned value is dropped
    self->quit();
    return rp;
  }
  auto remaining = std::make_shared<size_t>(st.all.size());
  auto one_done = [=]() mutable {
    if (--*remaining == 0) {
      rp.deliver(caf::unit);
      self->quit();
    }
  };
  for (auto& [addr, live] : st.all) {
    auto computer = caf::actor_cast<computer_api>(addr);
    self->demonitor(addr);
    if (!computer) {
      one_done();
      continue;
    }
    self->request(computer, st.config.stop_timeout, stop_atom::value)
      .then([=]() mutable { one_done(); }, [=](caf::error&) mutable {
        self->send_exit(computer, caf::exit_reason::kill);
        one_done();
      });
  }
  st.counters.destroyed += static_cast<int64_t>(st.all.size());
  st.all.clear();
  return rp;
}

} // namespace

pool_state::~pool_state() {
  for (auto& [addr, live] : all)
    if (auto computer = caf::actor_cast<computer_api>(addr))
      caf::anon_send_exit(computer, caf::exit_reason::user_shutdown);
}

pool_api::behavior_type pool_actor(pool_api::stateful_pointer<pool_state> self, pool_config config,
                                   computer_spawner spawn_computer) {
  log_unexpected_messages(self);
  self->state.config = std::move(config);
  self->state.spawn_computer = std::move(spawn_computer);
  for (const auto& id : self->state.config.fixed_ids)
    self->state.vacant.push_back(id);
  self->set_down_handler([=](const caf::down_msg& msg) {
    auto& st = self->state;
    if (st.all.count(msg.source) > 0)
      forget_computer(self, msg.source, msg.reason);
    else
      take_back_from(self, msg.source);
  });
  fill(self);
  return {
    [=](acquire_atom) { return lend(self); },
    [=](expire_atom, uint64_t ticket) { expire(self, ticket); },
    [=](release_atom, const computer_api& computer) {
      auto& st = self->state;
      auto i = st.on_loan.find(computer.address());
      if (i == st.on_loan.end())
        return;
      auto item = i->second.item;
      st.on_loan.erase(i);
      recycle(self, std::move(item));
    },
    [=](broken_atom, const computer_api& computer, const std::string& why) {
      replace_broken(self, computer, why);
    },
    [=](probe_atom, const std::string& id) {
      auto& st = self->state;
      if (st.resting.erase(id) == 0 || st.closed)
        return;
      spdlog::info("computer {} will be tried again", id);
      st.vacant.push_back(id);
      fill(self);
    },
    [=](stats_atom) { return current_stats(self->state); },
    [=](shutdown_atom) { return close_pool(self); },
  };
}

} // namespace cua
