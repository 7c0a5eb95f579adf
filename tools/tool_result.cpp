#include "tools/tool_result.hpp"

#include "transport/jsonrpc.hpp"
#include "util/base64.hpp"

namespace cua {

tool_result tool_result::error(const std::string& text) {
  tool_result out;
  out.is_error = true;
  out.add_text(text);
  return out;
}

tool_result& tool_result::add_text(const std::string& text) {
  content.push_back({{"type", "text"}, {"text", text}});
  return *this;
}

tool_result& tool_result::add_image(const encoded_image& image) {
  content.push_back(
    {{"type", "image"}, {"data", base64_encode(image.bytes)}, {"mimeType", image.mime_type}});
  return *this;
}

tool_result& tool_result::set_structured(nlohmann::json value) {
  add_text(jsonrpc::to_line(value));
  structured = std::move(value);
  return *this;
}

nlohmann::json tool_result::to_json() const& {
  return tool_result{*this}.to_json();
}

nlohmann::json tool_result::to_json() && {
  auto out = nlohmann::json::object();
  out["content"] = std::move(content);
  if (!structured.is_null())
    out["structuredContent"] = std::move(structured);
  if (is_error)
    out["isError"] = true;
  return out;
}

} // namespace cua
