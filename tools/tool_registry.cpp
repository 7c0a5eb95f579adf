#include "tools/tool_registry.hpp"

namespace cua {

// Each tool lives in a file of its own and is registered by one line in the table below.
tool_definition screenshot_cua_tool();
tool_definition run_cua_task_tool();
tool_definition run_multi_cua_tasks_tool();
tool_definition get_session_stats_tool();
tool_definition cleanup_session_tool();
tool_definition computer_tool();

const tool_catalog& tool_table() {
  static const tool_catalog table{{
    screenshot_cua_tool(),
    run_cua_task_tool(),
    run_multi_cua_tasks_tool(),
    get_session_stats_tool(),
    cleanup_session_tool(),
    computer_tool(),
  }};
  return table;
}

} // namespace cua
