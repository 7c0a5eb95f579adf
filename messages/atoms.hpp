#pragma once

#include <caf/atom.hpp>

// The verbs actors use with each other. Each names one kind of request or event; the payload types
// live beside them in messages/. Atoms are at most 10 characters in CAF 0.17.

namespace cua {

// computer actor
using start_atom = caf::atom_constant<caf::atom("start")>;
using screenshot_atom = caf::atom_constant<caf::atom("screenshot")>;
using perform_atom = caf::atom_constant<caf::atom("perform")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;

// pool actor
using acquire_atom = caf::atom_constant<caf::atom("acquire")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using broken_atom = caf::atom_constant<caf::atom("broken")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;

// computer hosts on other nodes
using challenge_atom = caf::atom_constant<caf::atom("challenge")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using connect_host_atom = caf::atom_constant<caf::atom("conn_host")>;

// supervisor and session actors
using open_atom = caf::atom_constant<caf::atom("open")>;
using open_ephemeral_atom = caf::atom_constant<caf::atom("open_ephem")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using reap_atom = caf::atom_constant<caf::atom("reap")>;
using run_task_atom = caf::atom_constant<caf::atom("run_task")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using rights_atom = caf::atom_constant<caf::atom("rights")>;
using audit_atom = caf::atom_constant<caf::atom("audit")>;

// task actor and model providers
using step_atom = caf::atom_constant<caf::atom("step")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using next_turn_atom = caf::atom_constant<caf::atom("next_turn")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using task_done_atom = caf::atom_constant<caf::atom("task_done")>;

// bridge, tool calls and the stdio transport
using line_atom = caf::atom_constant<caf::atom("line")>;
using message_atom = caf::atom_constant<caf::atom("message")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using oversize_atom = caf::atom_constant<caf::atom("oversize")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using log_atom = caf::atom_constant<caf::atom("log")>;
using notify_atom = caf::atom_constant<caf::atom("notify")>;
using call_done_atom = caf::atom_constant<caf::atom("call_done")>;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using client_req_atom = caf::atom_constant<caf::atom("client_req")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;

// MCP tasks (mcp/task_registry_actor.hpp)
using task_create_atom = caf::atom_constant<caf::atom("task_new")>;
using task_get_atom = caf::atom_constant<caf::atom("task_get")>;
using task_result_atom = caf::atom_constant<caf::atom("task_res")>;
using task_list_atom = caf::atom_constant<caf::atom("task_list")>;
using task_cancel_atom = caf::atom_constant<caf::atom("task_stop")>;
using task_update_atom = caf::atom_constant<caf::atom("task_upd")>;
using peek_atom = caf::atom_constant<caf::atom("peek")>;
using find_atom = caf::atom_constant<caf::atom("find")>;
using task_count_atom = caf::atom_constant<caf::atom("task_count")>;
using owner_gone_atom = caf::atom_constant<caf::atom("owner_gone")>;

// the HTTP transport and its clients
using post_atom = caf::atom_constant<caf::atom("post")>;
using listen_atom = caf::atom_constant<caf::atom("listen")>;
using hangup_atom = caf::atom_constant<caf::atom("hangup")>;
using end_atom = caf::atom_constant<caf::atom("end")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using reclaim_atom = caf::atom_constant<caf::atom("reclaim")>;

// trajectories (recorded tasks)
using traj_begin_atom = caf::atom_constant<caf::atom("traj_begin")>;
using traj_step_atom = caf::atom_constant<caf::atom("traj_step")>;
using traj_end_atom = caf::atom_constant<caf::atom("traj_end")>;
using traj_list_atom = caf::atom_constant<caf::atom("traj_list")>;
using traj_read_atom = caf::atom_constant<caf::atom("traj_read")>;

// the live view (view/): frames, take-over, the overview of every session
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using unpause_atom = caf::atom_constant<caf::atom("unpause")>;
using operate_atom = caf::atom_constant<caf::atom("operate")>;
using overview_atom = caf::atom_constant<caf::atom("overview")>;
using view_atom = caf::atom_constant<caf::atom("view")>;

// metrics
using call_ended_atom = caf::atom_constant<caf::atom("call_ended")>;
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;

} // namespace cua
