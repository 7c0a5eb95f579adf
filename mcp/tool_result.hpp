#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/computer_messages.hpp"

namespace cua {

/// What a tools/call returns: content blocks, optional structured content, and whether it failed.
struct tool_result {
  nlohmann::json content = nlohmann::json::array(); // an image's data is a marker here
  nlohmann::json structured; // null: none
  std::string structured_line; // `structured` as its text block has it (set_structured keeps both)
  bool is_error = false;
  /// The base64 data of the images, by the marker that stands for it in `content`: it goes into
  /// the response line as it is, since base64 needs no JSON escaping, and checking hundreds of KB
  /// for characters to escape costs milliseconds a screenshot.
  std::vector<std::pair<std::string, std::string>> images;

  /// Returns a failed result that says `text`.
  static tool_result error(const std::string& text);

  /// Appends a text block.
  tool_result& add_text(const std::string& text);

  /// Appends an image block (base64 data, mime type).
  tool_result& add_image(const encoded_image& image);

  /// Sets the structured content and repeats it as a text block, as the spec recommends.
  tool_result& set_structured(nlohmann::json value);

  /// Names the session the call started (it had no session_id to use): in a text block a model
  /// reads, and as session_id in the structured content, if there is any.
  tool_result& name_session(const std::string& id);

  /// Returns the result object of a tools/call response.
  nlohmann::json to_json() const&;

  /// Likewise, moving the content (a screenshot's base64 text is hundreds of KB) instead of copying.
  nlohmann::json to_json() &&;

  /// Returns the whole JSON-RPC response line to request `id` at protocol `version`, with the
  /// images' data written in without passing through the JSON serializer.
  std::string response_line(const nlohmann::json& id, const std::string& version) &&;
};

} // namespace cua
