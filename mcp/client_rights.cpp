#include "mcp/client_rights.hpp"

namespace cua {

std::string client_rights::refusal_of_acting_tool(const std::string& name) const {
  if (!read_only)
    return "";
  return name + " acts on a computer, and this client may only look at screens (read-only: "
         + read_only_source + "): screenshot_cua, computer with action screenshot or cursor_position, and "
           "get_session_stats are what it can use";
}

std::string client_rights::refusal_of_action(const std::string& action) const {
  if (!read_only || action == "screenshot" || action == "cursor_position")
    return "";
  return "computer action \"" + action + "\" acts on the screen, and this client may only look "
         "(read-only: " + read_only_source + "): use action screenshot or cursor_position";
}

} // namespace cua
