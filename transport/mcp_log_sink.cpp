#include "transport/mcp_log_sink.hpp"

#include <string>

#include <caf/send.hpp>

#include "messages/atoms.hpp"

namespace cua {

void mcp_log_sink::attach(caf::actor bridge) {
  std::lock_guard<std::mutex> guard(mutex_);
  bridge_ = std::move(bridge);
}

void mcp_log_sink::detach() {
  std::lock_guard<std::mutex> guard(mutex_);
  bridge_ = caf::actor{};
}

void mcp_log_sink::sink_it_(const spdlog::details::log_msg& msg) {
  if (!bridge_)
    return;
  caf::anon_send(bridge_, log_atom::value, static_cast<int32_t>(msg.level),
                 std::string(msg.logger_name.data(), msg.logger_name.size()),
                 std::string(msg.payload.data(), msg.payload.size()));
}

} // namespace cua
