#include "actors/task_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "agent/context_window.hpp"
#include "agent/model_registry.hpp"
#include "computers/action_parsing.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/clock_text.hpp"
#include "util/ids.hpp"
#include "util/log_tag.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using task_ptr = task_api::stateful_pointer<task_state>;

void ask_model(task_ptr self);
void run_next_action(task_ptr self);

// --- Recording (--trajectory-dir): the task, each step as it ends, and how the task ended. ---

bool recording(task_ptr self) {
  return static_cast<bool>(self->state.setup.settings.recorder);
}

int64_t ms_since(task_ptr self, caf::actor_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now() - start).count();
}

std::string now_text() {
  return iso8601(std::chrono::system_clock::now());
}

// Opens the task's record; a task stopped from outside (cancelled) still ends it, as cancelled.
void begin_trajectory(task_ptr self) {
  auto& st = self->state;
  if (!recording(self))
    return;
  auto started = now_text();
  st.trajectory_key = started + "-" + st.setup.session_id + "-task" + std::to_string(st.setup.id)
                      + "-" + random_uuid().substr(0, 8);
  nlohmann::json record{{"task", st.setup.task},          {"model", st.setup.settings.model},
                        {"session", st.setup.session_id}, {"task_id", st.setup.id},
                        {"client", st.setup.session_tag.client},
                        {"started_at", started},          {"max_steps", st.setup.settings.max_steps},
                        {"status", "running"}};
  self->send(st.setup.settings.recorder, traj_begin_atom::value, st.trajectory_key,
             std::move(record));
  self->attach_functor([recorder = st.setup.settings.recorder, key = st.trajectory_key,
                        ended = st.trajectory_ended](const caf::error&) {
    if (!*ended)
      caf::anon_send(recorder, traj_end_atom::value, key,
                     nlohmann::json{{"status", "cancelled"}, {"ended_at", now_text()}});
  });
}

// Notes how an action went, for the step's line.
void note_action(task_ptr self, const tool_output& output) {
  auto& st = self->state;
  if (!recording(self))
    return;
  nlohmann::json result{{"call_id", output.call_id}, {"output", output.text},
                        {"error", output.is_error},  {"screenshot", output.has_image},
                        {"ms", ms_since(self, st.action_started)}};
  if (!st.last_settle.is_null())
    result.update(st.last_settle);
  st.last_settle = nullptr;
  st.step_results.push_back(std::move(result));
  if (output.has_image)
    st.step_screenshots.push_back(output.image.bytes);
}

// Writes the step that just ended (the last round): the model's text, its actions as it gave
// them (image space), how each went, and timings. Its line reads as a replay script's turn.
void record_step(task_ptr self) {
  auto& st = self->state;
  if (!recording(self) || st.history.empty())
    return;
  const auto& turn = st.history.back().turn;
  auto actions = nlohmann::json::array();
  for (const auto& action : turn.actions) {
    auto input = nlohmann::json::parse(action.input_json, nullptr, false);
    actions.push_back(input.is_discarded() ? nlohmann::json(action.input_json) : input);
  }
  nlohmann::json step{{"step", st.history.size()},
                      {"text", turn.text},
                      {"actions", std::move(actions)},
                      {"results", std::move(st.step_results)},
                      {"model_ms", st.model_ms},
                      {"step_ms", ms_since(self, st.step_started)},
                      {"input_tokens", turn.input_tokens},
                      {"output_tokens", turn.output_tokens},
                      {"ended_at", now_text()}};
  st.step_results = nlohmann::json::array();
  self->send(st.setup.settings.recorder, traj_step_atom::value, st.trajectory_key,
             std::move(step), std::move(st.step_screenshots));
  st.step_screenshots.clear();
}

void end_trajectory(task_ptr self, nlohmann::json outcome) {
  auto& st = self->state;
  if (!recording(self) || st.trajectory_key.empty() || *st.trajectory_ended)
    return;
  *st.trajectory_ended = true;
  if (!st.step_results.empty())
    record_step(self); // the actions of the step it failed in
  outcome["ended_at"] = now_text();
  outcome["input_tokens"] = st.input_tokens;
  outcome["output_tokens"] = st.output_tokens;
  outcome["steps"] = st.history.size();
  outcome["actions"] = st.actions_done;
  self->send(st.setup.settings.recorder, traj_end_atom::value, st.trajectory_key,
             std::move(outcome));
}

nlohmann::json outcome_of(const task_result& result) {
  return {{"status", result.stop_reason == "completed" ? "completed" : "stopped"},
          {"stop_reason", result.stop_reason},
          {"answer", result.text}};
}

nlohmann::json outcome_of(const caf::error& err) {
  return {{"status", "failed"}, {"stop_reason", "error"}, {"error", describe(err)}};
}

void report(task_ptr self, std::string message, std::string model_text = {}) {
  auto& st = self->state;
  task_progress progress{st.setup.session_id, static_cast<int32_t>(st.history.size()),
                         st.setup.settings.max_steps, std::move(message), std::move(model_text)};
  // The session keeps the latest for the live view.
  if (st.setup.session)
    self->send(st.setup.session, progress_atom::value, st.setup.id, progress);
  // The listener is a call actor (untyped), which a typed actor reaches by anon_send.
  if (st.setup.listener)
    caf::anon_send(st.setup.listener, progress_atom::value, std::move(progress));
}

// Holds `next` while an operator has the session paused; returns true if it did.
bool held(task_ptr self, std::function<void()> next) {
  auto& st = self->state;
  if (!st.paused)
    return false;
  st.on_unpause = std::move(next);
  report(self, "paused by an operator in the live view; the task goes on when they resume it");
  return true;
}

// Tells the session how the task ended, once, and ends the actor.
template <class Outcome>
void end_with(task_ptr self, Outcome outcome) {
  auto& st = self->state;
  if (st.done)
    return;
  st.done = true;
  end_trajectory(self, outcome_of(outcome));
  self->send(st.setup.session, task_done_atom::value, st.setup.id, std::move(outcome));
  self->quit();
}

void fail(task_ptr self, const caf::error& err) {
  end_with(self, err);
}

void after(task_ptr self, caf::timespan delay, std::function<void()> next) {
  auto& st = self->state;
  if (delay.count() <= 0) {
    next();
    return;
  }
  st.on_resume = std::move(next);
  self->delayed_send(self, delay, resume_atom::value, ++st.resume_ticket);
}

void with_screenshot(task_ptr self, std::function<void(const encoded_image&)> next) {
  auto& st = self->state;
  self->request(st.setup.computer.computer, st.setup.settings.action_timeout, screenshot_atom::value,
                image_format::png)
    .then(
      [=](const encoded_image& image) {
        self->state.has_screenshot = true;
        self->state.last_screenshot = image;
        next(image);
      },
      [=](caf::error& err) { fail(self, err); });
}

void finish(task_ptr self, std::string stop_reason, std::string text) {
  auto deliver = [=](const encoded_image* image) {
    auto& st = self->state;
    task_result result;
    result.text = text;
    result.stop_reason = stop_reason;
    result.steps = static_cast<int32_t>(st.history.size());
    result.actions = st.actions_done;
    result.input_tokens = st.input_tokens;
    result.output_tokens = st.output_tokens;
    if (image != nullptr) {
      result.has_screenshot = true;
      result.final_screenshot = *image;
    }
    end_with(self, std::move(result));
  };
  // The final screenshot shows the screen as the task left it.
  self->request(self->state.setup.computer.computer, self->state.setup.settings.action_timeout,
                screenshot_atom::value, image_format::png)
    .then([=](const encoded_image& image) { deliver(&image); },
          [=](caf::error&) {
            auto& st = self->state;
            deliver(st.has_screenshot ? &st.last_screenshot : nullptr);
          });
}

// Records the action under way (the current one of the last round) in the audit log: what the
// agent did, on whose behalf, and how it went.
void audit_action(task_ptr self, const std::string& outcome, const std::string& error = {}) {
  auto& st = self->state;
  if (!st.setup.settings.audit || st.history.empty()
      || st.next_action >= st.history.back().turn.actions.size())
    return;
  const auto& call = st.history.back().turn.actions[st.next_action];
  auto input = nlohmann::json::parse(call.input_json, nullptr, false);
  nlohmann::json record{{"time", now_text()},
                        {"kind", "agent_action"},
                        {"client", st.setup.client_label},
                        {"session", st.setup.session_id},
                        {"task", st.setup.id},
                        {"step", st.history.size()},
                        {"action", input.is_object() ? input.value("action", "") : ""},
                        {"arguments", input.is_discarded() ? nlohmann::json(call.input_json) : input},
                        {"outcome", outcome},
                        {"duration_ms", ms_since(self, st.action_started)}};
  if (!error.empty())
    record["error"] = error;
  self->send(st.setup.settings.audit, audit_atom::value, std::move(record));
}

void record(task_ptr self, tool_output output) {
  auto& st = self->state;
  audit_action(self, output.is_error ? "error" : "ok", output.is_error ? output.text : "");
  note_action(self, output);
  st.history.back().outputs.push_back(std::move(output));
  ++st.next_action;
  run_next_action(self);
}

void record_with_screenshot(task_ptr self, std::string call_id, std::string text,
                            caf::timespan delay) {
  after(self, delay, [=] {
    with_screenshot(self, [=](const encoded_image& image) {
      record(self, tool_output{call_id, text, false, true, image});
    });
  });
}

void run_next_action(task_ptr self) {
  if (held(self, [=] { run_next_action(self); }))
    return;
  auto& st = self->state;
  auto& round = st.history.back();
  if (st.next_action >= round.turn.actions.size()) {
    record_step(self);
    keep_recent_images(st.history, st.setup.settings.max_images);
    ask_model(self);
    return;
  }
  const auto& call = round.turn.actions[st.next_action];
  st.action_started = self->clock().now();
  auto input = nlohmann::json::parse(call.input_json, nullptr, false);
  auto action = parse_action(input);
  if (!action) {
    // A bad action goes back to the model as its tool result, as Anthropic's API expects.
    report(self, "step " + std::to_string(st.history.size()) + ": rejected action: "
                   + describe(action.error()));
    record(self, tool_output{call.call_id, describe(action.error()), true, false, {}});
    return;
  }
  ++st.actions_done;
  report(self, "step " + std::to_string(st.history.size()) + "/"
                 + std::to_string(st.setup.settings.max_steps) + ": " + describe(*action));
  auto call_id = call.call_id;
  switch (action->kind) {
    case action_kind::screenshot:
      record_with_screenshot(self, call_id, "", caf::timespan{0});
      return;
    case action_kind::wait:
      record_with_screenshot(self, call_id, "",
                             std::chrono::duration_cast<caf::timespan>(
                               std::chrono::duration<double>(action->duration_s)));
      return;
    default:
      break;
  }
  self->request(st.setup.computer.computer, st.setup.settings.action_timeout, perform_atom::value,
                *action)
    .then(
      [=](const action_outcome& outcome) {
        self->state.last_settle = {{"settle_ms", outcome.settle_ms}, {"settled", outcome.settled}};
        // The computer has waited for its screen to settle: the screenshot shows the action.
        if (outcome.settle_ms > 0 || !outcome.settled)
          report(self, "step " + std::to_string(self->state.history.size()) + ": "
                         + describe_settling(outcome));
        record_with_screenshot(self, call_id, outcome.text, caf::timespan{0});
      },
      [=](caf::error& err) {
        if (err == errc::invalid_action) {
          record(self, tool_output{call_id, describe(err), true, false, {}});
          return;
        }
        audit_action(self, "error", describe(err));
        fail(self, err);
      });
}

void on_turn(task_ptr self, model_turn turn) {
  auto& st = self->state;
  st.model_ms = ms_since(self, st.step_started);
  st.input_tokens += turn.input_tokens;
  st.output_tokens += turn.output_tokens;
  auto step = st.history.size() + 1;
  if (!turn.text.empty()) {
    report(self, "step " + std::to_string(step) + ": " + turn.text.substr(0, 200),
           turn.text.substr(0, 2000));
    // The model's words also reach the client's log (notifications/message at info).
    tagged_logger(st.setup.session_tag)
      ->info("session {} task {} step {}: {}", st.setup.session_tag.session_name(), st.setup.id, step,
             turn.text);
  }
  if (turn.actions.empty()) {
    auto text = turn.text;
    st.history.push_back(agent_round{std::move(turn), {}});
    record_step(self);
    finish(self, "completed", std::move(text));
    return;
  }
  st.history.push_back(agent_round{std::move(turn), {}});
  st.next_action = 0;
  run_next_action(self);
}

void ask_model(task_ptr self) {
  auto& st = self->state;
  if (static_cast<int32_t>(st.history.size()) >= st.setup.settings.max_steps) {
    std::string said;
    for (const auto& round : st.history)
      if (!round.turn.text.empty())
        said += round.turn.text + "\n";
    finish(self, "step_limit",
           "The task stopped after " + std::to_string(st.setup.settings.max_steps)
             + " steps (--max-steps) without finishing; " + std::to_string(st.actions_done)
             + " actions were done." + (said.empty() ? "" : "\nThe model said:\n" + said));
    return;
  }
  st.step_started = self->clock().now();
  model_request request;
  request.task = st.setup.task;
  request.step = static_cast<int32_t>(st.history.size()) + 1;
  request.display_width = st.setup.computer.info.image_width;
  request.display_height = st.setup.computer.info.image_height;
  request.history = st.history;
  // One model turn may take every retry of model_timeout, and the backoffs in between.
  auto retries = st.setup.settings.model_retries;
  auto bound = st.setup.settings.model_timeout * (retries + 1)
               + st.setup.settings.model_backoff * ((1 << retries) - 1) + std::chrono::seconds(30);
  self->request(st.model, bound, next_turn_atom::value, std::move(request))
    .then([=](model_turn& turn) { on_turn(self, std::move(turn)); },
          [=](caf::error& err) {
            fail(self, err == errc::model_failed
                         ? err
                         : make_error(errc::model_failed, "the model did not answer: " + describe(err)));
          });
}

} // namespace

task_api::behavior_type task_actor(task_ptr self, task_setup setup) {
  log_unexpected_messages(self);
  self->state.setup = std::move(setup);
  model_options options;
  options.call_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    self->state.setup.settings.model_timeout);
  options.retries = self->state.setup.settings.model_retries;
  options.client = self->state.setup.listener; // the call actor, which reaches the client
  options.first_backoff = std::chrono::duration_cast<std::chrono::milliseconds>(
    self->state.setup.settings.model_backoff);
  auto model = spawn_model(self, self->state.setup.settings.model, options);
  if (model) {
    self->state.model = *model;
    self->state.paused = self->state.setup.paused;
    report(self, "starting: " + self->state.setup.task.substr(0, 200));
    begin_trajectory(self);
    if (!held(self, [=] { ask_model(self); }))
      ask_model(self);
  } else {
    // Reported from inside the behavior so that the session sees it like any other outcome.
    self->send(self, step_atom::value, model.error());
  }
  return {
    [=](resume_atom, uint64_t ticket) {
      auto& st = self->state;
      if (ticket != st.resume_ticket || !st.on_resume)
        return;
      auto next = std::move(st.on_resume);
      st.on_resume = nullptr;
      next();
    },
    [=](step_atom, const caf::error& e) { fail(self, e); },
    [=](pause_atom, bool paused) {
      auto& st = self->state;
      st.paused = paused;
      if (paused || !st.on_unpause)
        return;
      auto next = std::move(st.on_unpause);
      st.on_unpause = nullptr;
      report(self, "resumed by the operator");
      next();
    },
  };
}

} // namespace cua
