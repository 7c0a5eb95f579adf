#include "util/log_tag.hpp"

#include <spdlog/spdlog.h>

namespace cua {

namespace {

// Separates the parts of a tagged logger's name. Client ids are the server's own UUIDs, so the
// first separator after the client is the end of the client; a session id may hold anything.
constexpr char separator = '\x1f';

} // namespace

std::string log_tag::session_name() const {
  return client.empty() ? session : session + " (client " + client + ")";
}

std::shared_ptr<spdlog::logger> tagged_logger(const log_tag& tag) {
  auto base = spdlog::default_logger();
  std::string name{base_logger_name};
  name += separator;
  name += tag.client;
  name += separator;
  name += tag.session;
  auto logger = std::make_shared<spdlog::logger>(std::move(name), base->sinks().begin(),
                                                 base->sinks().end());
  logger->set_level(base->level());
  logger->flush_on(base->flush_level());
  return logger;
}

log_tag tag_of_logger(std::string_view name) {
  auto first = name.find(separator);
  if (first == std::string_view::npos)
    return {};
  auto second = name.find(separator, first + 1);
  if (second == std::string_view::npos)
    return {};
  return {std::string{name.substr(first + 1, second - first - 1)},
          std::string{name.substr(second + 1)}};
}

} // namespace cua
