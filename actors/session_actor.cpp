#include "actors/session_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include "computers/action_parsing.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/clock_text.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using session_ptr = session_api::stateful_pointer<session_state>;

void touch(session_ptr self) {
  self->state.last_activity = self->clock().now();
  self->state.last_activity_wall = std::chrono::system_clock::now();
}

caf::error unusable(const session_state& st) {
  if (st.status == session_status::closing)
    return make_error(errc::session_closing, "session " + st.id + " is being cleaned up");
  return make_error(errc::computer_failed, "session " + st.id + " has no working computer: "
                                             + st.failure
                                             + "; clean it up with cleanup_session or use another");
}

// Runs `work` once the session has its computer, or answers `promise` with why it never will.
template <class T>
void when_ready(session_ptr self, caf::typed_response_promise<T> promise,
                std::function<void()> work) {
  auto& st = self->state;
  if (st.status == session_status::ready) {
    work();
    return;
  }
  if (st.status != session_status::starting) {
    promise.deliver(unusable(st));
    return;
  }
  st.waiting_for_computer.emplace_back([=]() mutable {
    if (self->state.status == session_status::ready)
      work();
    else
      promise.deliver(unusable(self->state));
  });
}

void run_waiting(session_ptr self) {
  auto waiting = std::move(self->state.waiting_for_computer);
  self->state.waiting_for_computer.clear();
  for (auto& f : waiting)
    f();
}

void acquire_computer(session_ptr self) {
  auto& st = self->state;
  self->request(st.pool, st.config.acquire_timeout, acquire_atom::value)
    .then(
      [=](const computer_lease& lease) {
        auto& st = self->state;
        if (st.status != session_status::starting) { // closed while waiting: give it straight back
          self->send(st.pool, release_atom::value, lease.computer);
          return;
        }
        st.computer = lease;
        st.has_computer = true;
        st.status = session_status::ready;
        self->monitor(lease.computer);
        st.log->info("session {} got computer {}", st.log_name, lease.info.id);
        run_waiting(self);
      },
      [=](caf::error& err) {
        auto& st = self->state;
        st.log->warn("session {} could not get a computer: {}", st.log_name, describe(err));
        // Tell the callers that waited why, then end: the supervisor forgets the session, and the
        // next call with this id starts afresh.
        auto waiting = std::move(st.waiting_for_computer);
        st.waiting_for_computer.clear();
        st.status = session_status::failed;
        st.failure = describe(err);
        for (auto& f : waiting)
          f();
        self->quit(err);
      });
}

session_info info_of(session_ptr self) {
  const auto& st = self->state;
  session_info info;
  info.id = st.id;
  info.status = st.status;
  info.created_at = iso8601(st.created_at);
  info.last_activity = iso8601(st.last_activity_wall);
  info.active_tasks = static_cast<int32_t>(st.tasks.size() + st.queue.size());
  if (st.tasks.empty() && st.queue.empty())
    info.idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now()
                                                                         - st.last_activity)
                     .count();
  if (st.has_computer) {
    info.computer_id = st.computer.info.id;
    info.backend = st.computer.info.backend;
    info.image_width = st.computer.info.image_width;
    info.image_height = st.computer.info.image_height;
  }
  info.ephemeral = st.ephemeral;
  info.client = st.config.client;
  info.paused = st.paused;
  if (!st.tasks.empty()) {
    const auto& task = st.tasks.begin()->second;
    info.task = task.text;
    info.progress = task.progress;
    info.model_text = task.model_text;
  }
  return info;
}

void start_next_task(session_ptr self) {
  auto& st = self->state;
  if (!st.tasks.empty() || st.queue.empty() || st.status != session_status::ready)
    return;
  auto next = std::move(st.queue.front());
  st.queue.pop_front();
  task_setup setup;
  setup.id = st.next_task++;
  setup.session_id = st.id;
  setup.session_tag = st.log.tag();
  setup.task = next.task;
  setup.session = self;
  setup.computer = st.computer;
  setup.listener = next.listener;
  setup.settings = st.config.agent;
  setup.settings.action_timeout = st.config.action_timeout;
  setup.paused = st.paused;
  setup.client_label = st.config.client_label;
  auto id = setup.id;
  auto actor = self->spawn(task_actor, std::move(setup));
  self->monitor(actor);
  st.tasks.emplace(id, session_state::running_task{actor, next.requester, next.promise,
                                                   next.task.substr(0, 500), {}, {}});
}

// Hands the screen to an operator (live view) until unpause or the pause's bound.
bool pause(session_ptr self, const std::string& who) {
  auto& st = self->state;
  if (!st.paused)
    st.log->info("session {}: paused by {} in the live view", st.log_name, who);
  st.paused = true;
  st.paused_by = who;
  for (auto& [id, task] : st.tasks)
    self->send(task.task, pause_atom::value, true);
  // Each pause (or renewal) has its own bound.
  self->delayed_send(self, st.config.max_pause, unpause_atom::value, ++st.pause_ticket);
  return true;
}

bool unpause(session_ptr self, const std::string& why) {
  auto& st = self->state;
  if (!st.paused)
    return false;
  st.paused = false;
  st.log->info("session {}: resumed ({})", st.log_name, why);
  for (auto& [id, task] : st.tasks)
    self->send(task.task, pause_atom::value, false);
  return false;
}

caf::error paused_error(const session_state& st) {
  auto bound = std::chrono::duration_cast<std::chrono::seconds>(st.config.max_pause).count();
  return make_error(errc::session_paused,
                    "session " + st.id + " is paused: an operator has taken over its screen in the "
                      + "live view; screenshots still work, actions wait until they resume it (at most "
                      + std::to_string(bound) + " s after the pause)");
}

// Ends the running task's bookkeeping and lets the next queued one start.
template <class Outcome>
void task_ended(session_ptr self, uint64_t task_id, Outcome outcome) {
  auto& st = self->state;
  touch(self);
  auto i = st.tasks.find(task_id);
  if (i == st.tasks.end())
    return;
  self->demonitor(i->second.task.address());
  i->second.promise.deliver(std::move(outcome));
  st.tasks.erase(i);
  start_next_task(self);
}

int32_t cancel_tasks(session_ptr self, const std::string& why) {
  auto& st = self->state;
  auto count = static_cast<int32_t>(st.tasks.size() + st.queue.size());
  for (auto& queued : st.queue)
    queued.promise.deliver(make_error(errc::task_cancelled, why));
  st.queue.clear();
  for (auto& [id, task] : st.tasks) {
    self->demonitor(task.task.address());
    self->send_exit(task.task, caf::exit_reason::user_shutdown);
    task.promise.deliver(make_error(errc::task_cancelled, why));
  }
  st.tasks.clear();
  return count;
}

void on_down(session_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (st.has_computer && msg.source == st.computer.computer.address()) {
    st.log->warn("session {}: its computer {} stopped", st.log_name, st.computer.info.id);
    st.has_computer = false;
    st.status = session_status::failed;
    st.failure = "its computer " + st.computer.info.id + " stopped unexpectedly";
    return;
  }
  for (auto i = st.queue.begin(); i != st.queue.end();)
    i = i->requester == msg.source ? st.queue.erase(i) : i + 1;
  for (auto i = st.tasks.begin(); i != st.tasks.end();) {
    auto& task = i->second;
    if (msg.source == task.requester) {
      // Whoever asked for the task is gone (cancelled call): the work stops with it.
      st.log->info("session {}: task {} cancelled, its requester stopped", st.log_name, i->first);
      self->demonitor(task.task.address());
      self->send_exit(task.task, caf::exit_reason::user_shutdown);
      i = st.tasks.erase(i);
      touch(self);
    } else if (msg.source == task.task.address()) {
      task.promise.deliver(make_error(errc::internal, "the task stopped unexpectedly"));
      i = st.tasks.erase(i);
      touch(self);
    } else {
      ++i;
    }
  }
  start_next_task(self);
}

// Cancels the tasks, gives the computer back, and ends the session.
cleanup_report close_session(session_ptr self, const std::string& reason) {
  auto& st = self->state;
  st.status = session_status::closing;
  cleanup_report report;
  report.session_id = st.id;
  report.reason = reason;
  report.cancelled_tasks = cancel_tasks(self, "session " + st.id + " was cleaned up ("
                                                 + reason + ")");
  run_waiting(self); // callers still waiting for the computer learn that it will not come
  if (st.has_computer) {
    self->demonitor(st.computer.computer.address());
    self->send(st.pool, release_atom::value, st.computer.computer);
    st.has_computer = false;
    report.computer_returned = true;
  }
  st.log->info("session {} closed ({}): {} task(s) cancelled", st.log_name, reason,
               report.cancelled_tasks);
  self->quit();
  return report;
}

// A computer that let an action run past its bound is broken: the pool kills and replaces it, and
// this session tells every later call why it has no computer.
void computer_hung(session_ptr self) {
  auto& st = self->state;
  if (!st.has_computer)
    return;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(st.config.action_timeout).count();
  st.failure = "its computer " + st.computer.info.id + " did not answer within "
               + std::to_string(secs) + " s (--action-timeout) and was replaced";
  self->demonitor(st.computer.computer.address());
  self->send(st.pool, broken_atom::value, st.computer.computer, st.failure);
  st.has_computer = false;
  st.status = session_status::failed;
}

// Turns a timed-out computer call into the error a user should read, and retires the computer.
caf::error computer_error(session_ptr self, caf::error err) {
  // Its actor went away under the call (its host died before the front noticed): the error
  // names the computer, and so its host.
  if (err == caf::sec::request_receiver_down && !self->state.computer.info.id.empty())
    return make_error(errc::computer_failed,
                      "session " + self->state.id + ": its computer "
                        + self->state.computer.info.id
                        + " stopped unexpectedly; clean up this session or use another");
  if (err != caf::sec::request_timeout && err != errc::computer_timeout)
    return err;
  computer_hung(self);
  return make_error(errc::computer_timeout, "session " + self->state.id + ": " + self->state.failure
                                              + "; clean up this session or use another");
}

// Counts as activity, waits for the computer if need be, and passes the request on to it, bounded
// by the action timeout.
// Asks the session's computer once it has one; no activity of the session's own (a look from
// outside, e.g. a resource's reader, must not keep it from being reaped as idle).
template <class Answer, class... Ts>
caf::result<Answer> ask_computer(session_ptr self, Ts... xs) {
  auto rp = self->make_response_promise<Answer>();
  when_ready(self, rp, [=]() mutable {
    auto& st = self->state;
    self->request(st.computer.computer, st.config.action_timeout, xs...)
      .then([=](Answer& answer) mutable { rp.deliver(std::move(answer)); },
            [=](caf::error& err) mutable { rp.deliver(computer_error(self, err)); });
  });
  return rp;
}

// Asks the session's computer, as a call of the session's client: activity.
template <class Answer, class... Ts>
caf::result<Answer> on_computer(session_ptr self, Ts... xs) {
  touch(self);
  return ask_computer<Answer>(self, xs...);
}

} // namespace

session_state::~session_state() {
  for (auto& [id, task] : tasks)
    caf::anon_send_exit(task.task, caf::exit_reason::user_shutdown);
}

session_api::behavior_type session_actor(session_ptr self, std::string id,
                            pool_api pool, session_config config, bool ephemeral) {
  log_unexpected_messages(self);
  auto& st = self->state;
  st.id = std::move(id);
  st.pool = std::move(pool);
  st.config = std::move(config);
  st.ephemeral = ephemeral;
  st.log = tagged_log{log_tag{st.config.client, st.id}};
  // Named by its client's label too (a token's name=), which is what an operator knows it by.
  st.log_name = st.config.client.empty()
                  ? st.id
                  : st.id + " (" + st.config.client_label + ", client " + st.config.client + ")";
  st.created_at = std::chrono::system_clock::now();
  touch(self);
  self->set_down_handler([=](const caf::down_msg& msg) { on_down(self, msg); });
  acquire_computer(self);
  return {
    [=](screenshot_atom, image_format format) -> caf::result<encoded_image> {
      return on_computer<encoded_image>(self, screenshot_atom::value, format);
    },
    [=](peek_atom, image_format format) -> caf::result<encoded_image> {
      return ask_computer<encoded_image>(self, screenshot_atom::value, format);
    },
    [=](frame_atom, uint64_t known) -> caf::result<screen_frame> {
      return ask_computer<screen_frame>(self, frame_atom::value, known);
    },
    [=](perform_atom, const computer_action& action) -> caf::result<action_outcome> {
      if (self->state.paused)
        return paused_error(self->state);
      return on_computer<action_outcome>(self, perform_atom::value, action);
    },
    [=](operate_atom, const computer_action& action) -> caf::result<action_outcome> {
      auto& st = self->state;
      if (!st.paused) // a conflict with the session's state, not a bad action
        return make_error(errc::invalid_arguments,
                          "pause session " + st.id + " before acting on its screen: the agent "
                            + "would be acting on it at the same time");
      // What the person did is in the log (typed text by its length only: it may be a password).
      auto what = describe(action);
      if (action.kind == action_kind::type)
        what = "type (" + std::to_string(action.text.size()) + " characters)";
      st.log->info("session {}: {} in the live view: {}", st.log_name, st.paused_by, what);
      return on_computer<action_outcome>(self, perform_atom::value, action);
    },
    [=](pause_atom, const std::string& who) -> caf::result<bool> {
      if (self->state.status == session_status::starting)
        return make_error(errc::invalid_arguments,
                          "session " + self->state.id + " is still waiting for its computer");
      if (self->state.status != session_status::ready)
        return unusable(self->state);
      touch(self);
      return pause(self, who);
    },
    [=](unpause_atom, const std::string& who) {
      touch(self);
      return unpause(self, "by " + who);
    },
    [=](unpause_atom, uint64_t ticket) {
      auto& st = self->state;
      if (ticket != st.pause_ticket || !st.paused)
        return;
      auto bound = std::chrono::duration_cast<std::chrono::seconds>(st.config.max_pause).count();
      st.log->warn("session {}: paused for {} s, the most --view-max-pause allows; the agent goes on",
                   st.log_name, bound);
      unpause(self, "the pause reached --view-max-pause");
    },
    [=](cancel_atom, const std::string& why) {
      touch(self);
      auto count = cancel_tasks(self, why);
      if (count > 0)
        self->state.log->info("session {}: {} task(s) ended: {}", self->state.log_name, count, why);
      return count;
    },
    [=](progress_atom, uint64_t task_id, const task_progress& progress) {
      auto i = self->state.tasks.find(task_id);
      if (i == self->state.tasks.end())
        return;
      i->second.progress = progress.message;
      if (!progress.model_text.empty())
        i->second.model_text = progress.model_text;
    },
    [=](run_task_atom, const std::string& task, const caf::actor& listener)
      -> caf::result<task_result> {
      touch(self);
      auto requester = caf::actor_cast<caf::actor>(self->current_sender());
      auto rp = self->make_response_promise<task_result>();
      when_ready(self, rp, [=]() mutable {
        auto& st = self->state;
        if (requester)
          self->monitor(requester);
        if (!st.tasks.empty() && listener)
          caf::anon_send(listener, progress_atom::value,
                     task_progress{st.id, 0, st.config.agent.max_steps,
                                   "waiting for the task already running on session " + st.id,
                                   {}});
        st.queue.push_back(session_state::queued_task{task, listener, requester.address(), rp});
        start_next_task(self);
      });
      return rp;
    },
    [=](task_done_atom, uint64_t task_id, task_result& result) {
      task_ended(self, task_id, std::move(result));
    },
    [=](task_done_atom, uint64_t task_id, const caf::error& err) {
      task_ended(self, task_id, computer_error(self, err));
    },
    [=](info_atom) { return info_of(self); },
    [=](ready_atom) -> caf::result<bool> {
      auto rp = self->make_response_promise<bool>();
      when_ready(self, rp, [=]() mutable { rp.deliver(true); });
      return rp;
    },
    [=](close_atom, const std::string& reason) { return close_session(self, reason); },
    [=](reap_atom, int64_t idle_limit_ms, const std::string& reason) {
      // Decided here, not by the supervisor: a call that came in since it last asked keeps the
      // session alive.
      auto info = info_of(self);
      if (info.active_tasks > 0 || info.paused || info.idle_ms < idle_limit_ms)
        return false;
      close_session(self, reason);
      return true;
    },
  };
}

} // namespace cua
