#include "messages/errors.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace cua {

const char* to_string(errc code) {
  switch (code) {
    case errc::none: return "none";
    case errc::session_limit_reached: return "session_limit_reached";
    case errc::session_evicted: return "session_evicted";
    case errc::unknown_session: return "unknown_session";
    case errc::session_closing: return "session_closing";
    case errc::pool_timeout: return "pool_timeout";
    case errc::pool_closed: return "pool_closed";
    case errc::computer_failed: return "computer_failed";
    case errc::computer_timeout: return "computer_timeout";
    case errc::not_reusable: return "not_reusable";
    case errc::invalid_action: return "invalid_action";
    case errc::model_failed: return "model_failed";
    case errc::step_limit_reached: return "step_limit_reached";
    case errc::task_cancelled: return "task_cancelled";
    case errc::shutting_down: return "shutting_down";
    case errc::invalid_arguments: return "invalid_arguments";
    case errc::internal: return "internal";
    case errc::task_limit_reached: return "task_limit_reached";
    case errc::session_paused: return "session_paused";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string text) {
  return caf::make_error(code, std::move(text));
}

caf::error pool_timeout_error(caf::timespan waited, const std::string& why) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(waited).count();
  return make_error(errc::pool_timeout, "no computer became free within " + std::to_string(secs)
                                          + " s: " + why
                                          + "; clean up an idle session or try again later");
}

namespace {

std::string context_text(const caf::message& context) {
  if (context.size() == 1 && context.match_element<std::string>(0))
    return context.get_as<std::string>(0);
  return {};
}

std::string describe_system_error(caf::sec code) {
  switch (code) {
    case caf::sec::request_timeout: return "the operation did not finish in time";
    case caf::sec::request_receiver_down: return "the actor serving the request has stopped";
    case caf::sec::unexpected_message: return "internal error: a message was not understood";
    default: return "internal error: " + caf::to_string(code);
  }
}

} // namespace

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() == caf::atom("cua")) {
    auto text = context_text(err.context());
    return text.empty() ? to_string(static_cast<errc>(err.code())) : text;
  }
  if (err.category() == caf::atom("system"))
    return describe_system_error(static_cast<caf::sec>(err.code()));
  return "error " + std::to_string(err.code()) + " in category " + caf::to_string(err.category());
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(caf::atom("cua"), [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    auto text = context_text(ctx);
    std::string result = to_string(static_cast<errc>(code));
    if (!text.empty())
      result += ": " + text;
    return result;
  });
}

} // namespace cua
