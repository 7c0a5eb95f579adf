#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include "actors/computer_actor.hpp"
#include "actors/pool_actor.hpp"
#include "actors/supervisor_actor.hpp"
#include "computers/sim_computer.hpp"
#include "messages/register_messages.hpp"

namespace cua::test {

/// A reply an asking actor recorded: a value, an error, or nothing yet.
template <class T>
struct reply {
  std::optional<T> value;
  caf::error error;
  bool done = false;
};

/// An actor system on CAF's deterministic scheduler: messages run only when the test says so, and
/// time only moves when the test advances it.
class deterministic : public ::testing::Test {
protected:
  deterministic() {
    cfg_.set("scheduler.policy", caf::atom("testing"));
    register_messages(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  }

  ~deterministic() override {
    for (auto& a : owned_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run();
    // Anything the actors still had in flight ends here too.
    sched_->trigger_timeouts();
    run();
  }

  /// Runs every message that is ready.
  void run() { sched_->run(); }

  /// Moves virtual time on by `d` and runs what became due.
  void advance(caf::timespan d) {
    sched_->advance_time(d);
    run();
  }

  /// Remembers `a` so that the fixture stops it at the end.
  template <class Handle>
  Handle own(Handle a) {
    owned_.push_back(caf::actor_cast<caf::actor>(a));
    return a;
  }

  /// Sends `xs` to `dest` as a request from a fresh actor and returns where its reply lands. The
  /// asking actor lives on until the fixture ends, so tests can kill it to play a client (or a
  /// borrower) that went away (see asker()).
  template <class T, class Handle, class... Ts>
  std::shared_ptr<reply<T>> ask(Handle dest, Ts... xs) {
    auto out = std::make_shared<reply<T>>();
    spawn_asker(dest, [out](T& value) {
      out->value = std::move(value);
      out->done = true;
    }, out, xs...);
    return out;
  }

  /// Like ask(), for requests answered with an empty message.
  template <class Handle, class... Ts>
  std::shared_ptr<reply<bool>> ask_done(Handle dest, Ts... xs) {
    auto out = std::make_shared<reply<bool>>();
    spawn_asker(dest, [out]() {
      out->value = true;
      out->done = true;
    }, out, xs...);
    return out;
  }

  /// A behavior that nothing matches: the asking actor stays alive (as a borrower or a requester
  /// would) until the test or the fixture stops it.
  static caf::behavior keep_alive() {
    return {[](caf::atom_constant<caf::atom("never")>) {}};
  }

  // Spawns the asking actor; `on_value` takes the answer (and marks the reply done).
  template <class Handle, class OnValue, class Reply, class... Ts>
  void spawn_asker(Handle dest, OnValue on_value, std::shared_ptr<Reply> out, Ts... xs) {
    last_asker_ = own(sys_->spawn([=](caf::event_based_actor* self) -> caf::behavior {
      self->request(dest, caf::timespan{std::chrono::seconds(3600)}, xs...)
        .then(
          on_value,
          [=](caf::error& err) {
            out->error = err;
            out->done = true;
          });
      return keep_alive();
    }));
  }

  /// The actor behind the last ask().
  caf::actor asker() const { return last_asker_; }

  /// Returns a spawner of non-detached sim computers, so that they run on the test scheduler.
  computer_spawner sim_spawner(backend_options options = {}) {
    return [options](caf::actor_system& sys, const std::string& id) {
      return spawn_computer(sys, make_sim_computer(id, options), false);
    };
  }

  /// Returns a pool (owned) of at most `size` sim computers, none started ahead of demand.
  pool_api sim_pool(int32_t size) {
    pool_config pc;
    pc.size = size;
    pc.warm = 0;
    return own(sys_->spawn(pool_actor, pc, sim_spawner()));
  }

  /// Returns a supervisor (owned) with default limits over a sim_pool(pool_size), whose tasks ask
  /// `model`.
  supervisor_api sim_supervisor(const std::string& model, int32_t pool_size = 4) {
    supervisor_config sc;
    sc.session.agent.model = model;
    return own(sys_->spawn(supervisor_actor, sc, sim_pool(pool_size)));
  }

  caf::actor_system& sys() { return *sys_; }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::vector<caf::actor> owned_;
  caf::actor last_asker_;
};

} // namespace cua::test
