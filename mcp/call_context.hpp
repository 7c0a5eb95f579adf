#pragma once

#include <optional>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/timespan.hpp>
#include <nlohmann/json.hpp>

#include "mcp/protocol.hpp"
#include "mcp/tool.hpp"

namespace cua {

/// Everything one tools/call starts with.
struct call_setup {
  const tool_definition* tool = nullptr;
  nlohmann::json arguments;
  std::string request_key;        // the request id as text, the bridge's key for the call
  uint64_t ticket = 0;            // tells this call from an earlier one under the same key
  nlohmann::json request_id;
  nlohmann::json progress_token;  // null: the client wants no progress
  std::string protocol_version;
  caf::actor bridge;
  tool_services services;
  caf::timespan heartbeat_interval = std::chrono::seconds(5);
  /// Protocol 2026-07-28: the level of log records the request asked for (none: no records).
  std::optional<mcp::log_level> log_level;
};

/// Where a call's handler and continuations run.
enum class call_host {
  own_actor, // a call actor, which ends with the call and can be killed to cancel it
  bridge,    // the bridge itself, for quick tools (tool_definition::quick)
};

/// The tool_context of one tools/call. Progress and the answer go to the bridge as
/// (notify, key, outbound_line) and (call_done, key, ticket, line, tool_error); after() comes back to the host as
/// (resume, ticket, step).
class call_context final : public tool_context {
public:
  call_context(caf::event_based_actor* self, call_setup setup, call_host host);

  const nlohmann::json& arguments() const override { return setup_.arguments; }

  const tool_services& services() const override { return setup_.services; }

  caf::event_based_actor* self() override { return self_; }

  void progress(const std::string& message) override;

  void on_task_progress(std::function<void(const task_progress&)> handler) override;

  void finish(tool_result result) override;

  void after(caf::timespan delay, std::function<void()> next) override;

  caf::duration query_bound() const override;
  void started_session(const std::string& id) override { started_session_ = id; }
  void using_session(const std::string& id) override;

  /// A log record about the call's session (from the log tap): passed on if the caller asked.
  void log_reported(int32_t level, const std::string& logger, const std::string& text);

  ~call_context() override;

  const caf::actor& bridge() const { return setup_.bridge; }
  const std::string& protocol_version() const { return setup_.protocol_version; }

  /// Runs the tool's handler; an exception in it ends the call with a tool error.
  void start();

  /// Runs the continuation `step` of after(), unless the call ended.
  void resume(uint64_t step);

  void task_progress_reported(const task_progress& p);

  /// Sends a progress notification if nothing was reported for a heartbeat interval, and arms the
  /// next heartbeat (call actors only: quick calls are bounded by a query).
  void heartbeat();

  /// Marks the call as one nobody waits for (cancelled, or timed out by the bridge): it reports no
  /// more progress. Its end is still sent, so that the bridge, which drops the answer, knows the
  /// context is no longer referred to.
  void abandon() { abandoned_ = true; }

private:
  caf::event_based_actor* self_;
  call_setup setup_;
  call_host host_;
  caf::actor_clock::time_point started_;
  caf::actor_clock::time_point last_progress_;
  int64_t progress_count_ = 0;
  bool finished_ = false;
  std::string started_session_; // a session this call started for want of a session_id
  bool tapping_logs_ = false;    // watching the log for records about its session
  std::string log_key_;          // its watch's key
  bool abandoned_ = false;
  std::function<void(const task_progress&)> task_progress_handler_;
  std::map<uint64_t, std::function<void()>> pending_;
  uint64_t next_step_ = 1;
};

} // namespace cua
