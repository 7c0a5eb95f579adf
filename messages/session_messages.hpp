#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/agent_messages.hpp"
#include "messages/pool_messages.hpp"

namespace cua {

/// Where a session is in its life.
enum class session_status : uint8_t {
  starting, // waiting for its computer
  ready,    // has its computer
  closing,  // cancelling its tasks, giving its computer back
  failed,   // its computer could not be had or was lost
  unresponsive, // did not tell the supervisor its state in time (stats only)
};

/// Returns the name get_session_stats shows for `status`.
inline const char* to_string(session_status status) {
  switch (status) {
    case session_status::starting:
      return "starting";
    case session_status::ready:
      return "ready";
    case session_status::closing:
      return "closing";
    case session_status::failed:
      return "failed";
    case session_status::unresponsive:
      return "unresponsive";
  }
  return "unknown"; // not reached: the switch names every status
}

/// A session's state as get_session_stats shows it.
struct session_info {
  std::string id;
  session_status status = session_status::starting;
  std::string created_at; // ISO 8601, UTC
  std::string last_activity;
  int64_t idle_ms = 0; // since the last call or task end; 0 while a task runs
  int32_t active_tasks = 0;
  std::string computer_id;
  std::string backend;
  bool ephemeral = false; // made for one run_multi_cua_tasks call
  // For the live view: whose it is, whether an operator holds it, and what its task is doing.
  std::string client;     // "" on stdio, the MCP session id over HTTP
  bool paused = false;
  std::string task;       // the running task's text, shortened; empty when none runs
  std::string progress;   // the task's latest progress message
  std::string model_text; // what the model last said in that task
  int32_t image_width = 0; // the screenshot space actions take coordinates in; 0: no computer
  int32_t image_height = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_info& x) {
  return f(caf::meta::type_name("session_info"), x.id, x.status, x.created_at, x.last_activity,
           x.idle_ms, x.active_tasks, x.computer_id, x.backend, x.ephemeral, x.client, x.paused,
           x.task, x.progress, x.model_text, x.image_width, x.image_height);
}

/// What closing a session did.
struct cleanup_report {
  std::string session_id;
  int32_t cancelled_tasks = 0;
  bool computer_returned = false;
  std::string reason; // requested, idle, evicted, shutdown, owner_gone, client_gone
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cleanup_report& x) {
  return f(caf::meta::type_name("cleanup_report"), x.session_id, x.cancelled_tasks,
           x.computer_returned, x.reason);
}

/// What a session actor understands (actors/session_actor.hpp): the computer's screenshot and
/// actions, and tasks (run_task's actor hears the task's progress), each waiting for the computer
/// if need be; its state (info), whether it has its computer (ready), close with a reason, and reap
/// (closes it if idle for at least the given ms; says whether it did). For the live view: frame
/// (the screen's picture unless it is still the known one; not activity), pause and unpause (by
/// whom; answer whether it is paused now), operate (an operator's action, only while paused) and
/// cancel (its tasks, for a reason; answers how many). task_done and progress are from its own
/// task actors; (unpause, ticket) is its own bound on a pause.
using session_api = caf::typed_actor<
  caf::replies_to<screenshot_atom, image_format>::with<encoded_image>,
  caf::replies_to<peek_atom, image_format>::with<encoded_image>,
  caf::replies_to<frame_atom, uint64_t>::with<screen_frame>,
  caf::replies_to<perform_atom, computer_action>::with<action_outcome>,
  caf::replies_to<operate_atom, computer_action>::with<action_outcome>,
  caf::replies_to<pause_atom, std::string>::with<bool>,
  caf::replies_to<unpause_atom, std::string>::with<bool>,
  caf::reacts_to<unpause_atom, uint64_t>,
  caf::replies_to<cancel_atom, std::string>::with<int32_t>,
  caf::replies_to<run_task_atom, std::string, caf::actor>::with<task_result>,
  caf::reacts_to<task_done_atom, uint64_t, task_result>,
  caf::reacts_to<task_done_atom, uint64_t, caf::error>,
  caf::reacts_to<progress_atom, uint64_t, task_progress>,
  caf::replies_to<info_atom>::with<session_info>,
  caf::replies_to<ready_atom>::with<bool>,
  caf::replies_to<close_atom, std::string>::with<cleanup_report>,
  caf::replies_to<reap_atom, int64_t, std::string>::with<bool>>;

/// A session as the supervisor hands it out.
struct session_handle {
  std::string id;
  session_api session;
  bool created = false; // false: it existed already
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_handle& x) {
  return f(caf::meta::type_name("session_handle"), x.id, x.session, x.created);
}

/// The whole picture for get_session_stats.
struct stats_report {
  std::vector<session_info> sessions; // the asking client's
  int32_t server_sessions = 0;        // every client's
  int32_t max_sessions = 0;
  int32_t max_sessions_per_client = 0;
  int64_t idle_timeout_s = 0;
  int64_t sessions_created = 0;
  int64_t sessions_reaped = 0;
  int64_t sessions_refused = 0;
  int64_t sessions_evicted = 0; // closed, idle, to make room for a new session
  int64_t evict_idle_s = 0;     // 0: sessions are never evicted
  pool_stats pool;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats_report& x) {
  return f(caf::meta::type_name("stats_report"), x.sessions, x.server_sessions, x.max_sessions,
           x.max_sessions_per_client, x.idle_timeout_s,
           x.sessions_created, x.sessions_reaped, x.sessions_refused, x.sessions_evicted,
           x.evict_idle_s, x.pool);
}

/// What the supervisor understands (actors/supervisor_actor.hpp): open a client's session by id
/// (made on demand) or a new one for a single task (ephemeral: it ends with the asker); close one,
/// or all of a client's (answering how many); stats for a client; how long all of a client's
/// sessions have been idle (ms); shutdown. reap is its own timer.
using supervisor_api = caf::typed_actor<
  caf::replies_to<open_atom, std::string, std::string>::with<session_handle>,
  caf::replies_to<open_ephemeral_atom, std::string>::with<session_handle>,
  caf::replies_to<close_atom, std::string, std::string>::with<cleanup_report>,
  caf::replies_to<leave_atom, std::string>::with<int32_t>,
  caf::replies_to<stats_atom, std::string>::with<stats_report>,
  caf::replies_to<overview_atom>::with<stats_report>,
  caf::reacts_to<rights_atom, std::string, std::string, int32_t>,
  caf::replies_to<idle_atom, std::string>::with<int64_t>,
  caf::replies_to<find_atom, std::string, std::string>::with<session_api>,
  caf::reacts_to<reap_atom>,
  caf::reacts_to<shutdown_atom>>;

} // namespace cua
