#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "messages/agent_messages.hpp"

namespace cua {

/// The most bytes a replay script may have.
constexpr size_t max_replay_script_size = 16 * 1024 * 1024;

/// Returns the model turns of a replay script: JSON Lines, one turn a line,
/// {"text": "...", "actions": [{"action": "left_click", "coordinate": [x, y]}, ...]}; blank lines are
/// skipped. Actions stay JSON (validated when the task runs them, as a real model's would be); an
/// error names the line and what is wrong with it.
caf::expected<std::vector<model_turn>> parse_replay_script(const std::string& text);

/// Returns the turns of the replay script in the file at `path`, or of the task recorded in the
/// folder `path` (its steps.jsonl).
caf::expected<std::vector<model_turn>> load_replay_script(const std::string& path);

} // namespace cua
