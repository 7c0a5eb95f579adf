#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/computer_messages.hpp"

// What a task actor says to its model provider and hears back. Provider-neutral: each provider
// turns this into its own wire format.

namespace cua {

/// The result of one tool call the model asked for, as fed back to it.
struct tool_output {
  std::string call_id;
  std::string text;
  bool is_error = false;
  bool has_image = false;
  encoded_image image;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_output& x) {
  return f(caf::meta::type_name("tool_output"), x.call_id, x.text, x.is_error, x.has_image, x.image);
}

/// A tool call the model asked for: its id and its input in Anthropic's computer-tool form (JSON).
struct model_action {
  std::string call_id;
  std::string input_json;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_action& x) {
  return f(caf::meta::type_name("model_action"), x.call_id, x.input_json);
}

/// One answer of the model.
struct model_turn {
  std::string text;
  std::vector<model_action> actions; // none: the task is done and `text` is the answer
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_turn& x) {
  return f(caf::meta::type_name("model_turn"), x.text, x.actions, x.input_tokens, x.output_tokens);
}

/// One round of the conversation: what the model said and asked, and what came of it.
struct agent_round {
  model_turn turn;
  std::vector<tool_output> outputs;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_round& x) {
  return f(caf::meta::type_name("agent_round"), x.turn, x.outputs);
}

/// Everything a provider needs to produce the next turn.
struct model_request {
  std::string task;
  int32_t step = 0;
  int32_t display_width = 0; // image space
  int32_t display_height = 0;
  std::vector<agent_round> history; // images beyond the image budget already dropped
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_request& x) {
  return f(caf::meta::type_name("model_request"), x.task, x.step, x.display_width, x.display_height,
           x.history);
}

/// A step of a running task, reported to whoever asked for the task.
struct task_progress {
  std::string session_id;
  int32_t step = 0;
  int32_t max_steps = 0;
  std::string message;
  std::string model_text; // what the model said, when the step is its turn (the live view shows it)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_progress& x) {
  return f(caf::meta::type_name("task_progress"), x.session_id, x.step, x.max_steps, x.message,
           x.model_text);
}

/// How a task ended.
struct task_result {
  std::string text;       // the model's final answer (or what was done, when stopped early)
  std::string stop_reason; // completed, step_limit
  int32_t steps = 0;
  int32_t actions = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool has_screenshot = false;
  encoded_image final_screenshot;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_result& x) {
  return f(caf::meta::type_name("task_result"), x.text, x.stop_reason, x.steps, x.actions,
           x.input_tokens, x.output_tokens, x.has_screenshot, x.final_screenshot);
}

/// What a model actor understands (agent/): the next turn of a conversation.
using model_api = caf::typed_actor<caf::replies_to<next_turn_atom, model_request>::with<model_turn>>;

/// A running task (actors/task_actor): it drives itself, so what it takes are its own timers
/// (resume, ticket), a failure found while it started (step, error), and its session's word that
/// an operator paused it or let it go on (pause, bool). Others only monitor it and kill it to
/// cancel.
using task_api = caf::typed_actor<caf::reacts_to<resume_atom, uint64_t>,
                                  caf::reacts_to<step_atom, caf::error>,
                                  caf::reacts_to<pause_atom, bool>>;

} // namespace cua
