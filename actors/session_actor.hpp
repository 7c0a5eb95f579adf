#pragma once

#include <chrono>
#include <deque>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/timespan.hpp>

#include "actors/task_actor.hpp"
#include "messages/pool_messages.hpp"
#include "messages/session_messages.hpp"
#include "util/log_tag.hpp"

namespace cua {

struct session_config {
  caf::timespan acquire_timeout = std::chrono::seconds(35); // the pool answers first (its own bound)
  caf::timespan action_timeout = std::chrono::seconds(30);
  agent_settings agent;
  /// The client (HTTP transport) the session belongs to; named in its log lines, which is how that
  /// client, and no other, gets them as notifications/message.
  std::string client;
  std::string client_label = "stdio"; // how logs and the audit name that client
  /// An operator's pause (live view) ends by itself after this long, so that a forgotten one does
  /// not hold the agent for ever (--view-max-pause).
  caf::timespan max_pause = std::chrono::minutes(10);
};

struct session_state {
  std::string log_name; // "ID", or "ID (client C)" when it belongs to an HTTP client
  tagged_log log;       // records about this session, for its client
  struct running_task {
    task_api task;
    caf::actor_addr requester;
    caf::response_promise promise;
    std::string text;       // shortened, for the live view
    std::string progress;   // its latest progress message
    std::string model_text; // what the model last said
  };
  struct queued_task {
    std::string task;
    caf::actor listener;
    caf::actor_addr requester;
    caf::response_promise promise;
  };

  std::string id;
  pool_api pool;
  session_config config;
  bool ephemeral = false;
  session_status status = session_status::starting;
  std::string failure;             // why the session failed, for every later call
  bool has_computer = false;
  computer_lease computer;
  std::vector<std::function<void()>> waiting_for_computer;
  std::map<uint64_t, running_task> tasks; // at most one: tasks share the screen
  std::deque<queued_task> queue;           // waiting for the running task, in order
  uint64_t next_task = 1;
  bool paused = false;       // an operator holds the screen (live view): the agent waits
  uint64_t pause_ticket = 0; // the current pause's bound
  std::string paused_by;
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point last_activity_wall;
  caf::actor_clock::time_point last_activity;

  /// Stops the tasks still running when the session ends, however it ends.
  ~session_state();

  static inline const char* name = "session";
};

/// One session: owns its computer (borrowed from the pool when the session starts) and its running
/// tasks. Every call on it counts as activity for the idle reaper.
///
/// Messages: (screenshot, format) -> encoded_image; (perform, computer_action) -> action_outcome;
/// (run_task, task, listener) -> task_result, one task at a time, the others queued in order;
/// (info) -> session_info; (ready) -> true once the computer is there, or why it never will be;
/// (close, reason) -> cleanup_report, after which the actor ends; (reap, idle_ms, reason) -> bool,
/// true if the session was idle that long and closed itself (for `reason`: idle, evicted). A task whose
/// requester stops is cancelled.
///
/// The live view: (frame, known) -> screen_frame, a look that is not activity; (pause, who) hands
/// the screen to an operator until (unpause, who) or max_pause: the running task waits at its next
/// step, the client's own actions are refused (session_paused; screenshots are not), and the
/// operator's (operate, action) are performed, only then; (cancel, why) -> how many tasks ended.
session_api::behavior_type session_actor(session_api::stateful_pointer<session_state> self,
                                         std::string id,
                            pool_api pool, session_config config, bool ephemeral);

} // namespace cua
