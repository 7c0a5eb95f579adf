#include "mcp/log_sink.hpp"

#include <algorithm>
#include <string_view>

#include <caf/send.hpp>

#include "mcp/jsonrpc.hpp"
#include "messages/atoms.hpp"
#include "util/json_text.hpp"

namespace cua {

std::optional<mcp::log_level> mcp_level_of(int32_t spd_level) {
  switch (static_cast<spdlog::level::level_enum>(spd_level)) {
    case spdlog::level::trace:
    case spdlog::level::debug: return mcp::log_level::debug;
    case spdlog::level::info: return mcp::log_level::info;
    case spdlog::level::warn: return mcp::log_level::warning;
    case spdlog::level::err: return mcp::log_level::error;
    case spdlog::level::critical: return mcp::log_level::critical;
    default: return std::nullopt;
  }
}

std::optional<std::string> log_notification(int32_t spd_level, const std::string& logger,
                                            const std::string& text, mcp::log_level wanted) {
  auto level = mcp_level_of(spd_level);
  if (!level || *level < wanted)
    return std::nullopt;
  return json_text(jsonrpc::make_notification(
    "notifications/message",
    {{"level", mcp::to_string(*level)}, {"logger", logger}, {"data", text}}));
}

void mcp_log_sink::attach(caf::actor actor, std::string client) {
  std::lock_guard<std::mutex> guard(mutex_);
  bool everything = client.empty();
  targets_.push_back(target{std::move(actor), client, everything, log_tag{client, {}}});
}

void mcp_log_sink::detach(const std::string& client) {
  std::lock_guard<std::mutex> guard(mutex_);
  targets_.erase(std::remove_if(targets_.begin(), targets_.end(),
                                [&](const target& t) { return t.key == client; }),
                 targets_.end());
}

void mcp_log_sink::watch(caf::actor watcher, std::string key, log_tag about) {
  std::lock_guard<std::mutex> guard(mutex_);
  targets_.push_back(target{std::move(watcher), "watch:" + key, false, std::move(about)});
}

void mcp_log_sink::unwatch(const std::string& key) {
  detach("watch:" + key);
}

void mcp_log_sink::detach_all() {
  std::lock_guard<std::mutex> guard(mutex_);
  targets_.clear();
}

bool mcp_log_sink::reads(const target& t, const log_tag& tag) {
  if (t.everything)
    return true;
  if (tag.client != t.about.client)
    return false;
  if (t.about.session.empty()) // a client: every record about it
    return !tag.client.empty();
  return tag.session == t.about.session; // a call: its session's (the stdio client's: no client)
}

void mcp_log_sink::sink_it_(const spdlog::details::log_msg& msg) {
  std::string_view text(msg.payload.data(), msg.payload.size());
  auto tag = tag_of_logger(std::string_view{msg.logger_name.data(), msg.logger_name.size()});
  for (const auto& t : targets_) {
    if (reads(t, tag))
      caf::anon_send(t.actor, log_atom::value, static_cast<int32_t>(msg.level),
                     std::string{base_logger_name}, std::string(text));
  }
}

} // namespace cua
