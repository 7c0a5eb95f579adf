#include "transport/mcp_log_sink.hpp"

#include <algorithm>
#include <string_view>

#include <caf/send.hpp>

#include "messages/atoms.hpp"

namespace cua {

void mcp_log_sink::attach(caf::actor actor, std::string client) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto mention = client.empty() ? std::string{} : "client " + client;
  targets_.push_back(target{std::move(actor), std::move(client), std::move(mention)});
}

void mcp_log_sink::detach(const std::string& client) {
  std::lock_guard<std::mutex> guard(mutex_);
  targets_.erase(std::remove_if(targets_.begin(), targets_.end(),
                                [&](const target& t) { return t.client == client; }),
                 targets_.end());
}

void mcp_log_sink::detach_all() {
  std::lock_guard<std::mutex> guard(mutex_);
  targets_.clear();
}

void mcp_log_sink::sink_it_(const spdlog::details::log_msg& msg) {
  std::string_view text(msg.payload.data(), msg.payload.size());
  for (const auto& t : targets_) {
    if (!t.mention.empty() && text.find(t.mention) == std::string_view::npos)
      continue;
    caf::anon_send(t.actor, log_atom::value, static_cast<int32_t>(msg.level),
                   std::string(msg.logger_name.data(), msg.logger_name.size()), std::string(text));
  }
}

} // namespace cua
