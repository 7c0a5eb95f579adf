#include "mcp/call_context.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "mcp/jsonrpc.hpp"
#include "mcp/log_sink.hpp"
#include "mcp/protocol.hpp"
#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "util/json_text.hpp"
#include "util/log_tag.hpp"

namespace cua {

call_context::call_context(caf::event_based_actor* self, call_setup setup, call_host host)
  : self_(self), setup_(std::move(setup)), host_(host), started_(self->clock().now()),
    last_progress_(started_) {
}

void call_context::progress(const std::string& message) {
  if (finished_ || abandoned_ || setup_.progress_token.is_null())
    return;
  last_progress_ = self_->clock().now();
  nlohmann::json params{{"progressToken", setup_.progress_token},
                        {"progress", ++progress_count_},
                        {"message", message}};
  self_->send(setup_.bridge, notify_atom::value, setup_.request_key,
              outbound_line{json_text(jsonrpc::make_notification("notifications/progress", params)),
                            {}, setup_.progress_token.dump(), 0});
}

void call_context::on_task_progress(std::function<void(const task_progress&)> handler) {
  task_progress_handler_ = std::move(handler);
}

call_context::~call_context() {
  if (tapping_logs_)
    setup_.services.logs->unwatch(log_key_);
}

void call_context::using_session(const std::string& id) {
  // Only a call on an actor of its own can take log records; quick calls end at once anyway.
  if (!setup_.log_level || !setup_.services.logs || host_ != call_host::own_actor || tapping_logs_)
    return;
  tapping_logs_ = true;
  log_key_ = "call " + std::to_string(self_->id());
  setup_.services.logs->watch(caf::actor_cast<caf::actor>(self_), log_key_,
                              log_tag{setup_.services.client, id});
}

void call_context::log_reported(int32_t level, const std::string& logger, const std::string& text) {
  if (finished_ || abandoned_ || !setup_.log_level)
    return;
  if (auto line = log_notification(level, logger, text, *setup_.log_level))
    self_->send(setup_.bridge, notify_atom::value, setup_.request_key,
                outbound_line{std::move(*line), {}, {}, 0});
}

void call_context::finish(tool_result result) {
  if (finished_)
    return;
  finished_ = true;
  if (tapping_logs_) {
    tapping_logs_ = false;
    setup_.services.logs->unwatch(log_key_);
  }
  if (!started_session_.empty())
    result.name_session(started_session_);
  auto tool_error = result.is_error;
  self_->send(setup_.bridge, call_done_atom::value, setup_.request_key, setup_.ticket,
              std::move(result).response_line(setup_.request_id, setup_.protocol_version),
              tool_error);
  if (host_ == call_host::own_actor)
    self_->quit();
}

void call_context::after(caf::timespan delay, std::function<void()> next) {
  auto step = next_step_++;
  pending_.emplace(step, std::move(next));
  self_->delayed_send(self_, delay, resume_atom::value, setup_.ticket, step);
}

caf::duration call_context::query_bound() const {
  if (host_ == call_host::bridge)
    return caf::infinite;
  return caf::duration{setup_.services.query_timeout};
}

void call_context::start() {
  if (host_ == call_host::own_actor && !setup_.progress_token.is_null())
    self_->delayed_send(self_, setup_.heartbeat_interval, heartbeat_atom::value);
  try {
    setup_.tool->run(*this);
  } catch (const std::exception& e) {
    tagged_logger(log_tag{setup_.services.client, {}})
      ->error("tool {} failed: {}", setup_.tool->name, e.what());
    finish(tool_result::error("internal error in " + setup_.tool->name + ": " + e.what()));
  }
}

void call_context::resume(uint64_t step) {
  auto i = pending_.find(step);
  if (i == pending_.end() || finished_)
    return;
  auto next = std::move(i->second);
  pending_.erase(i);
  next();
}

void call_context::task_progress_reported(const task_progress& p) {
  if (task_progress_handler_)
    task_progress_handler_(p);
  else
    progress(p.message);
}

// Keeps clients that time out idle calls (many do at 60 s) from giving up while work goes on.
void call_context::heartbeat() {
  if (finished_ || setup_.progress_token.is_null())
    return;
  auto now = self_->clock().now();
  if (now - last_progress_ >= setup_.heartbeat_interval) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
    progress("still working (" + std::to_string(secs) + " s)");
  }
  self_->delayed_send(self_, setup_.heartbeat_interval, heartbeat_atom::value);
}

} // namespace cua
