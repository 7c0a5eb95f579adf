#include "mcp/tool_result.hpp"

#include <algorithm>
#include <atomic>
#include <random>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "util/base64.hpp"
#include "util/json_text.hpp"

namespace cua {

namespace {

// Returns a marker that stands for text spliced into a response line later; no text of a result
// contains it by chance: a random number drawn once per process, and a count.
std::string new_marker() {
  static const uint64_t nonce = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  static std::atomic<uint64_t> count{0};
  return "cua-spliced-" + std::to_string(nonce) + "-" + std::to_string(++count);
}

} // namespace

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
  auto marker = new_marker();
  content.push_back({{"type", "image"}, {"data", marker}, {"mimeType", image.mime_type}});
  images.emplace_back(std::move(marker), base64_encode(image.bytes));
  return *this;
}

tool_result& tool_result::set_structured(nlohmann::json value) {
  structured_line = json_text(value);
  add_text(structured_line);
  structured = std::move(value);
  return *this;
}

tool_result& tool_result::name_session(const std::string& id) {
  if (structured.is_null() && !is_error) {
    set_structured({{"session_id", id}});
  } else if (structured.is_object()) {
    auto old_line = structured_line;
    structured["session_id"] = id;
    structured_line = json_text(structured);
    for (auto& block : content)
      if (block.value("type", "") == "text" && block.value("text", "") == old_line)
        block["text"] = structured_line;
  }
  nlohmann::json note{{"type", "text"},
                      {"text", "This call started session " + id + " (a computer of its own). Pass "
                               "session_id \"" + id + "\" to keep using it; calls without "
                               "session_id start new sessions. End it with cleanup_session."}};
  content.insert(content.begin(), std::move(note));
  return *this;
}

nlohmann::json tool_result::to_json() const& {
  return tool_result{*this}.to_json();
}

nlohmann::json tool_result::to_json() && {
  for (auto& [marker, data] : images)
    for (auto& block : content)
      if (block.value("type", "") == "image" && block.value("data", "") == marker)
        block["data"] = std::move(data);
  images.clear();
  auto out = nlohmann::json::object();
  out["content"] = std::move(content);
  if (!structured.is_null())
    out["structuredContent"] = std::move(structured);
  if (is_error)
    out["isError"] = true;
  return out;
}

} // namespace cua

namespace cua {

std::string tool_result::response_line(const nlohmann::json& id, const std::string& version) && {
  // What is already text goes in as it is: the images' base64 between the quotes of their
  // markers, and the structured content (written once already for its text block) in place of
  // its quoted marker.
  struct splice {
    std::string marker; // quoted
    std::string text;
    bool inside_quotes;
  };
  std::vector<splice> splices;
  for (auto& [marker, data] : images)
    splices.push_back({'"' + marker + '"', std::move(data), true});
  images.clear();
  if (!structured.is_null() && !structured_line.empty()) {
    auto marker = new_marker();
    splices.push_back({'"' + marker + '"', std::move(structured_line), false});
    structured = marker;
  }
  auto line = json_text(
    jsonrpc::make_result(id, mcp::call_result_for_version(std::move(*this).to_json(), version)));
  std::vector<std::pair<size_t, const splice*>> places; // each marker stands once, if at all
  size_t size = line.size();
  for (const auto& item : splices)
    if (auto at = line.find(item.marker); at != std::string::npos) {
      places.emplace_back(at, &item);
      size += item.text.size();
    }
  if (places.empty())
    return line;
  std::sort(places.begin(), places.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  out.reserve(size);
  size_t from = 0;
  for (const auto& [at, item] : places) {
    out.append(line, from, at - from);
    if (item->inside_quotes)
      out.append(1, '"').append(item->text).append(1, '"');
    else
      out.append(item->text);
    from = at + item->marker.size();
  }
  out.append(line, from, std::string::npos);
  return out;
}

} // namespace cua
