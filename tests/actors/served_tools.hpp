#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "mcp/bridge_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "tools/tool_registry.hpp"

namespace cua::test {

/// A bridge configuration serving the server's own tools, as app/server.cpp wires it.
inline bridge_config served_tools() {
  bridge_config config;
  config.tools = &tool_table();
  return config;
}

/// A replay script whose task waits a minute (of virtual time) at its first step.
inline const char* minute_long_script = R"({"text":"waiting","actions":[{"action":"wait","duration":60}]}
{"text":"finished"}
)";

/// Stands in for a bridge's writer (stdout): keeps the text of every line written.
inline caf::actor spawn_line_recorder(caf::actor_system& sys,
                                      std::shared_ptr<std::vector<std::string>> lines) {
  return sys.spawn([lines](caf::event_based_actor*) -> caf::behavior {
    return {[=](write_atom, const outbound_line& line) { lines->push_back(line.text); }};
  });
}

} // namespace cua::test
