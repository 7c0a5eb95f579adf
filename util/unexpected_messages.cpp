#include "util/unexpected_messages.hpp"

#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

namespace cua {

void log_unexpected_messages(caf::scheduled_actor* self) {
  self->set_default_handler([](caf::scheduled_actor* actor, caf::message_view& view) -> caf::result<caf::message> {
    spdlog::warn("actor {} dropped an unexpected message: {}", actor->name(),
                 caf::to_string(view.content()));
    return caf::sec::unexpected_message;
  });
}

} // namespace cua
