#pragma once

#include <string>
#include <vector>

#include "mcp/tool.hpp"

namespace cua {

/// Returns every tool the server offers, in the order tools/list shows them.
const tool_catalog& tool_table();

} // namespace cua
