#pragma once

#include <cstdint>
#include <vector>

#include "messages/agent_messages.hpp"

namespace cua {

/// The text that stands in for a screenshot dropped from the model's context.
constexpr const char* omitted_screenshot_text = "[older screenshot omitted]";

/// Keeps only the `max_images` most recent screenshots in `history`; older ones are replaced by a
/// short text, so that every tool call still has its result and the conversation stays valid for
/// the provider. Returns how many images are left.
int32_t keep_recent_images(std::vector<agent_round>& history, int32_t max_images);

} // namespace cua
