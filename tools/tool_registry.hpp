#pragma once

#include <string>
#include <vector>

#include "tools/tool.hpp"

namespace cua {

/// Returns every tool the server offers, in the order tools/list shows them.
const std::vector<tool_definition>& tool_table();

/// Returns the tool called `name`, or nullptr.
const tool_definition* find_tool(const std::string& name);

} // namespace cua
