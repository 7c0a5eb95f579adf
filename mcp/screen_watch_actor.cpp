#include "mcp/screen_watch_actor.hpp"

#include "mcp/jsonrpc.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/outbound_line.hpp"
#include "util/json_text.hpp"
#include "util/log_tag.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using watch_ptr = caf::stateful_actor<screen_watch_state>*;

void look(watch_ptr self) {
  auto& st = self->state;
  if (st.looking)
    return;
  st.looking = true;
  screen_frame_of(self, st.config.from, st.config.session_id, st.picture,
                  [self](caf::expected<screen_frame> frame) {
                    auto& st = self->state;
                    st.looking = false;
                    if (!frame) {
                      if (frame.error() == errc::unknown_session) {
                        tagged_logger(log_tag{st.config.from.client, st.config.session_id})
                          ->debug("screen subscription ends: the session is gone");
                        self->quit();
                      }
                      return; // a slow or busy computer: the next look tries again
                    }
                    bool changed = !frame->unchanged && st.picture != 0;
                    st.picture = frame->change;
                    if (!changed)
                      return;
                    auto note = jsonrpc::make_notification(
                      "notifications/resources/updated",
                      {{"uri", mcp::screen_uri(st.config.session_id)}});
                    self->send(st.config.writer, write_atom::value,
                               outbound_line{json_text(note), {}, {}, 0});
                  });
}

} // namespace

caf::behavior screen_watch_actor(caf::stateful_actor<screen_watch_state>* self,
                                 screen_watch_config config) {
  log_unexpected_messages(self);
  self->state.config = std::move(config);
  look(self); // the first look is what later ones compare with
  self->delayed_send(self, self->state.config.interval, tick_atom::value);
  return {
    [=](tick_atom) {
      look(self);
      self->delayed_send(self, self->state.config.interval, tick_atom::value);
    },
  };
}

} // namespace cua
