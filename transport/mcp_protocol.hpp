#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cua::mcp {

/// Protocol versions this server speaks, newest first.
const std::vector<std::string>& supported_versions();

/// Returns the version to answer initialize with: the requested one when supported, else our newest.
std::string negotiate_version(const std::string& requested);

/// Returns whether `version` is `minimum` or newer (versions are dates, so text order works).
bool at_least(const std::string& version, const std::string& minimum);

/// Log levels of notifications/message, lowest first.
enum class log_level { debug, info, notice, warning, error, critical, alert, emergency };

std::optional<log_level> parse_log_level(const std::string& name);
const char* to_string(log_level level);

/// Returns the initialize result for `version`.
nlohmann::json initialize_result(const std::string& version);

/// Returns `tool` (as tools/list shows it) without the fields `version` does not know.
nlohmann::json tool_for_version(nlohmann::json tool, const std::string& version);

/// Returns a tools/call result without the fields `version` does not know.
nlohmann::json call_result_for_version(nlohmann::json result, const std::string& version);

} // namespace cua::mcp
