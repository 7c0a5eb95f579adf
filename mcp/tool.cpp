#include "mcp/tool.hpp"

namespace cua {

tool_catalog::tool_catalog(std::vector<tool_definition> tools) : tools_(std::move(tools)) {
}

const tool_definition* tool_catalog::find(const std::string& name) const {
  for (const auto& tool : tools_)
    if (tool.name == name)
      return &tool;
  return nullptr;
}

nlohmann::json tool_definition::listing() const {
  nlohmann::json out{{"name", name}, {"title", title}, {"description", description},
                     {"inputSchema", input_schema}};
  if (!output_schema.is_null())
    out["outputSchema"] = output_schema;
  if (!annotations.is_null())
    out["annotations"] = annotations;
  return out;
}

} // namespace cua
