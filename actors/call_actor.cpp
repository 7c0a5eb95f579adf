#include "actors/unexpected_messages.hpp"
#include "actors/call_actor.hpp"

#include <exception>
#include <map>

#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "messages/atoms.hpp"
#include "transport/jsonrpc.hpp"
#include "transport/mcp_protocol.hpp"

namespace cua {

class call_context final : public tool_context {
public:
  call_context(caf::stateful_actor<call_state>* self, call_setup setup)
    : self_(self), setup_(std::move(setup)), last_progress_(self->clock().now()) {
  }

  const nlohmann::json& arguments() const override { return setup_.arguments; }

  const tool_services& services() const override { return setup_.services; }

  caf::event_based_actor* self() override { return self_; }

  void progress(const std::string& message) override {
    if (finished_ || setup_.progress_token.is_null())
      return;
    last_progress_ = self_->clock().now();
    nlohmann::json params{{"progressToken", setup_.progress_token},
                          {"progress", ++progress_count_},
                          {"message", message}};
    self_->send(setup_.bridge, progress_atom::value, setup_.request_key,
                jsonrpc::to_line(jsonrpc::make_notification("notifications/progress", params)));
  }

  void on_task_progress(std::function<void(const task_progress&)> handler) override {
    task_progress_handler_ = std::move(handler);
  }

  void finish(tool_result result) override {
    if (finished_)
      return;
    finished_ = true;
    auto body = mcp::call_result_for_version(result.to_json(), setup_.protocol_version);
    self_->send(setup_.bridge, call_done_atom::value, setup_.request_key,
                jsonrpc::to_line(jsonrpc::make_result(setup_.request_id, std::move(body))));
    self_->quit();
  }

  const caf::actor& bridge() const { return setup_.bridge; }

  void after(caf::timespan delay, std::function<void()> next) override {
    auto ticket = next_ticket_++;
    pending_.emplace(ticket, std::move(next));
    self_->delayed_send(self_, delay, resume_atom::value, ticket);
  }

  void resume(uint64_t ticket) {
    auto i = pending_.find(ticket);
    if (i == pending_.end() || finished_)
      return;
    auto next = std::move(i->second);
    pending_.erase(i);
    next();
  }

  void task_progress_reported(const task_progress& p) {
    if (task_progress_handler_)
      task_progress_handler_(p);
    else
      progress(p.message);
  }

  // Keeps clients that time out idle calls (many do at 60 s) from giving up while work goes on.
  void heartbeat() {
    if (finished_ || setup_.progress_token.is_null())
      return;
    auto now = self_->clock().now();
    if (now - last_progress_ >= setup_.heartbeat_interval) {
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
      progress("still working (" + std::to_string(secs) + " s)");
    }
    self_->delayed_send(self_, setup_.heartbeat_interval, heartbeat_atom::value);
  }

  void start() {
    started_ = self_->clock().now();
    if (!setup_.progress_token.is_null())
      self_->delayed_send(self_, setup_.heartbeat_interval, heartbeat_atom::value);
    try {
      setup_.tool->run(*this);
    } catch (const std::exception& e) {
      spdlog::error("tool {} failed: {}", setup_.tool->name, e.what());
      finish(tool_result::error("internal error in " + setup_.tool->name + ": " + e.what()));
    }
  }

private:
  caf::stateful_actor<call_state>* self_;
  call_setup setup_;
  caf::actor_clock::time_point started_;
  caf::actor_clock::time_point last_progress_;
  int64_t progress_count_ = 0;
  bool finished_ = false;
  std::function<void(const task_progress&)> task_progress_handler_;
  std::map<uint64_t, std::function<void()>> pending_;
  uint64_t next_ticket_ = 1;
};

call_state::call_state() = default;

call_state::~call_state() = default;

caf::behavior call_actor(caf::stateful_actor<call_state>* self, call_setup setup) {
  log_unexpected_messages(self);
  self->state.context = std::make_unique<call_context>(self, std::move(setup));
  auto* ctx = self->state.context.get();
  ctx->start();
  return {
    [=](progress_atom, const task_progress& p) { ctx->task_progress_reported(p); },
    [=](heartbeat_atom) { ctx->heartbeat(); },
    [=](resume_atom, uint64_t ticket) { ctx->resume(ticket); },
    // A task's request to the client (sampling) goes out through this call's connection.
    [=](client_req_atom, std::string& method, std::string& params) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      return rp.delegate(ctx->bridge(), client_req_atom::value, std::move(method), std::move(params));
    },
  };
}

} // namespace cua
