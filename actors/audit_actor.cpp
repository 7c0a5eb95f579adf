#include "actors/audit_actor.hpp"

#include <spdlog/spdlog.h>

#include "util/unexpected_messages.hpp"

namespace cua {

audit_api::behavior_type audit_actor(audit_api::stateful_pointer<audit_state> self,
                                     audit_config config) {
  log_unexpected_messages(self);
  auto& st = self->state;
  st.config = std::move(config);
  st.file = std::make_unique<line_log>(st.config.path, st.config.max_bytes);
  return {
    [=](audit_atom, nlohmann::json& record) {
      auto& st = self->state;
      if (st.config.redact_text && record.contains("arguments")) {
        auto& arguments = record["arguments"];
        if (arguments.is_object() && arguments.contains("text") && arguments["text"].is_string())
          arguments["text"] = "[" + std::to_string(arguments["text"].get<std::string>().size())
                              + " characters]";
      }
      if (st.file->append(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) {
        st.failing = false;
      } else if (!st.failing) {
        st.failing = true;
        spdlog::error("audit log: cannot write: {}", st.file->error());
      }
    },
    [=](flush_atom) { return true; }, // everything before it is written already
  };
}

} // namespace cua
