#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "messages/computer_messages.hpp"

namespace cua {

/// What a tools/call returns: content blocks, optional structured content, and whether it failed.
struct tool_result {
  nlohmann::json content = nlohmann::json::array();
  nlohmann::json structured; // null: none
  bool is_error = false;

  /// Returns a failed result that says `text`.
  static tool_result error(const std::string& text);

  /// Appends a text block.
  tool_result& add_text(const std::string& text);

  /// Appends an image block (base64 data, mime type).
  tool_result& add_image(const encoded_image& image);

  /// Sets the structured content and repeats it as a text block, as the spec recommends.
  tool_result& set_structured(nlohmann::json value);

  /// Returns the result object of a tools/call response.
  nlohmann::json to_json() const&;

  /// Likewise, moving the content (a screenshot's base64 text is hundreds of KB) instead of copying.
  nlohmann::json to_json() &&;
};

} // namespace cua
