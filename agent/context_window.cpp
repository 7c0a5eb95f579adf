#include "agent/context_window.hpp"

namespace cua {

int32_t keep_recent_images(std::vector<agent_round>& history, int32_t max_images) {
  int32_t kept = 0;
  for (auto round = history.rbegin(); round != history.rend(); ++round) {
    for (auto output = round->outputs.rbegin(); output != round->outputs.rend(); ++output) {
      if (!output->has_image)
        continue;
      if (kept < max_images) {
        ++kept;
        continue;
      }
      output->has_image = false;
      output->image = encoded_image{};
      output->text = output->text.empty() ? omitted_screenshot_text
                                          : output->text + " " + omitted_screenshot_text;
    }
  }
  return kept;
}

} // namespace cua
