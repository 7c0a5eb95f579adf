#include "tools/tool_result.hpp"

#include <algorithm>
#include <atomic>
#include <random>

#include "transport/jsonrpc.hpp"
#include "transport/mcp_protocol.hpp"
#include "util/base64.hpp"

namespace cua {

namespace {

// Returns a marker no text of a result contains by chance: a random number drawn once per process,
// and a count.
std::string new_image_marker() {
  static const uint64_t nonce = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  static std::atomic<uint64_t> count{0};
  return "cua-image-" + std::to_string(nonce) + "-" + std::to_string(++count);
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
  auto marker = new_image_marker();
  content.push_back({{"type", "image"}, {"data", marker}, {"mimeType", image.mime_type}});
  images.emplace_back(std::move(marker), base64_encode(image.bytes));
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
  auto pending = std::move(images);
  images.clear();
  auto line = jsonrpc::to_line(
    jsonrpc::make_result(id, mcp::call_result_for_version(std::move(*this).to_json(), version)));
  if (pending.empty())
    return line;
  // Each marker stands, quoted, once in the line; its data replaces it.
  size_t size = line.size();
  for (const auto& [marker, data] : pending)
    size += data.size();
  std::string out;
  out.reserve(size);
  size_t from = 0;
  std::vector<std::pair<size_t, const std::pair<std::string, std::string>*>> places;
  for (const auto& image : pending)
    if (auto at = line.find('"' + image.first + '"'); at != std::string::npos)
      places.emplace_back(at + 1, &image);
  std::sort(places.begin(), places.end());
  for (const auto& [at, image] : places) {
    out.append(line, from, at - from);
    out += image->second;
    from = at + image->first.size();
  }
  out.append(line, from, std::string::npos);
  return out;
}

} // namespace cua
