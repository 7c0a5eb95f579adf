#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cua {

/// Returns the text of `value` on one line; invalid UTF-8 is replaced, never thrown on.
std::string json_text(const nlohmann::json& value);

} // namespace cua
