#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cua {

/// Returns what is wrong with `arguments` against a tool's `schema`, or nothing when they fit. It
/// understands the part of JSON Schema our tools use: type (object, string, boolean, integer,
/// number, array), properties, required, additionalProperties: false, items, minItems, maxItems,
/// minLength, maxLength, minimum, maximum, enum. The schema that tools/list shows is the one checked.
std::optional<std::string> check_arguments(const nlohmann::json& schema,
                                           const nlohmann::json& arguments);

} // namespace cua
