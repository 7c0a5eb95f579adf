#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "messages/agent_messages.hpp"
#include "messages/audit_messages.hpp"
#include "messages/session_messages.hpp"
#include "messages/pool_messages.hpp"
#include "messages/trajectory_messages.hpp"
#include "util/log_tag.hpp"

namespace cua {

/// How the agent loop runs; from the command line.
struct agent_settings {
  std::string model = "anthropic/claude-sonnet-4-5-20250929";
  int32_t max_steps = 50;
  int32_t max_images = 3;
  caf::timespan action_timeout = std::chrono::seconds(30);
  caf::timespan model_timeout = std::chrono::seconds(120);
  int32_t model_retries = 3;
  caf::timespan model_backoff = std::chrono::seconds(2);
  trajectory_api recorder; // null: tasks are not recorded (--trajectory-dir)
  audit_api audit;         // null: the agent's actions are not audited (--audit-log)
};

/// Everything a task actor starts with.
struct task_setup {
  uint64_t id = 0;
  std::string session_id;
  log_tag session_tag; // whom its log records are about
  std::string task;
  session_api session; // gets (task_done, id, task_result) or (task_done, id, error)
  computer_lease computer;
  caf::actor listener; // gets (progress, task_progress); may be null
  agent_settings settings;
  bool paused = false; // an operator holds the session (live view): wait before the first step
  std::string client_label; // whose task it is, as the audit names the client
};

struct task_state {
  task_setup setup;
  model_api model;
  std::vector<agent_round> history;
  size_t next_action = 0; // in the last round
  int32_t actions_done = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool has_screenshot = false;
  encoded_image last_screenshot;
  uint64_t resume_ticket = 0;
  std::function<void()> on_resume; // what to do when the pending delay ends
  bool paused = false;
  std::function<void()> on_unpause; // the step held while paused
  bool done = false;
  // Recording (settings.recorder): the task's key, and the step under way.
  std::string trajectory_key;
  std::shared_ptr<bool> trajectory_ended = std::make_shared<bool>(false);
  caf::actor_clock::time_point step_started;
  caf::actor_clock::time_point action_started;
  int64_t model_ms = 0;
  nlohmann::json step_results = nlohmann::json::array();
  nlohmann::json last_settle; // of the action just performed
  std::vector<std::vector<uint8_t>> step_screenshots;

  static inline const char* name = "task";
};

/// Runs one task: model turn -> the actions it asks for, each followed by a screenshot -> next
/// turn, until the model answers without actions or the step limit is reached. Reports every step
/// to the listener and to its session. While its session is paused (an operator took over the
/// screen), it waits before its next model turn or action, saying so. Killing the actor cancels
/// the task; its model provider dies with it.
task_api::behavior_type task_actor(task_api::stateful_pointer<task_state> self, task_setup setup);

} // namespace cua
