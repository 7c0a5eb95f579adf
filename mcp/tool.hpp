#pragma once

#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/duration.hpp>
#include <caf/timespan.hpp>
#include <nlohmann/json.hpp>

#include "mcp/tool_result.hpp"
#include "messages/agent_messages.hpp"
#include "messages/trajectory_messages.hpp"
#include "mcp/client_rights.hpp"
#include "messages/audit_messages.hpp"
#include "messages/metrics_messages.hpp"
#include "messages/session_messages.hpp"
#include "util/log_tap.hpp"

namespace cua {

/// What tools may reach, and the bounds on their waits. A running task has no bound of its own
/// here: it is bounded by its steps (--max-steps), each bounded by the model and action timeouts,
/// and a request timeout of hours would pin every finished call in memory until it fired.
struct tool_services {
  supervisor_api supervisor;
  std::string client;             // who the sessions opened through these services belong to
  std::string default_session_id; // this client connection's own session
  int32_t max_tasks_per_call = 20;
  caf::timespan query_timeout = std::chrono::seconds(10);          // supervisor round trips
  caf::timespan session_call_timeout = std::chrono::seconds(70);   // may include a pool wait
  std::shared_ptr<log_tap> logs; // null: calls cannot pass log records to their caller
  metrics_sink_api metrics;       // null: calls are not counted
  trajectory_api recorder;        // null: tasks are not recorded (no recordings to read)
  audit_api audit; // null: nothing is audited (--audit-log)
  /// What the client may do (--tools, --read-only, its token's line); never null.
  std::shared_ptr<const client_rights> rights = std::make_shared<client_rights>();
};

/// The running tools/call a tool handler works in. Its continuations run on the call's own actor,
/// one at a time; finish() ends the call, and nothing after it is sent.
class tool_context {
public:
  virtual ~tool_context() = default;

  /// Returns the call's arguments (an object; already checked against the input schema).
  virtual const nlohmann::json& arguments() const = 0;

  virtual const tool_services& services() const = 0;

  /// Returns the actor the call runs on, for requests to other actors.
  virtual caf::event_based_actor* self() = 0;

  /// Reports progress to the client, if it asked for progress.
  virtual void progress(const std::string& message) = 0;

  /// Sets how progress reports of running tasks read (default: their message as it is).
  virtual void on_task_progress(std::function<void(const task_progress&)> handler) = 0;

  /// Ends the call with `result`.
  virtual void finish(tool_result result) = 0;

  /// Notes that the call started session `id` for want of a session_id (protocol 2026-07-28):
  /// its result then names the session, so that the caller can pass it back.
  virtual void started_session(const std::string& id) = 0;

  /// Notes that the call works on session `id` (its log records may be for the caller).
  virtual void using_session(const std::string& id) = 0;

  /// Runs `next` on the call's actor after `delay` (unless the call ended by then).
  virtual void after(caf::timespan delay, std::function<void()> next) = 0;

  /// Returns the bound for a request to the supervisor. A call on an actor of its own bounds each
  /// request by services().query_timeout; a quick call, which runs on the bridge, gets
  /// caf::infinite, as the bridge bounds the whole call instead (a clock entry per request costs
  /// a thread hand-off in CAF 0.17, more than a trivial call itself).
  virtual caf::duration query_bound() const = 0;
};

/// One MCP tool: what tools/list shows, and the handler tools/call runs.
struct tool_definition {
  std::string name;
  std::string title;
  std::string description;
  nlohmann::json input_schema;
  nlohmann::json output_schema; // null: unstructured results
  nlohmann::json annotations;
  std::function<void(tool_context&)> run;
  /// A quick tool makes one query of the supervisor, ends the call in that query's continuation
  /// and waits for nothing else: it runs on the bridge, without an actor of its own.
  bool quick = false;
  /// A task tool runs the agent for minutes: when the client's input ends, its calls are cancelled
  /// (and answered so) rather than waited for.
  bool runs_tasks = false;

  /// Returns the tool as tools/list shows it (at the newest protocol version).
  nlohmann::json listing() const;
};

/// The tools a server offers, in the order tools/list shows them. The bridge is given one; the
/// tools themselves live above the protocol (tools/).
class tool_catalog {
public:
  explicit tool_catalog(std::vector<tool_definition> tools);

  const std::vector<tool_definition>& all() const {
    return tools_;
  }

  /// Returns the tool called `name`, or nullptr.
  const tool_definition* find(const std::string& name) const;

private:
  std::vector<tool_definition> tools_;
};

} // namespace cua
