#pragma once

#include "mcp/bridge_actor.hpp"
#include "tools/tool_registry.hpp"

namespace cua::test {

/// A bridge configuration serving the server's own tools, as app/server.cpp wires it.
inline bridge_config served_tools() {
  bridge_config config;
  config.tools = &tool_table();
  return config;
}

} // namespace cua::test
