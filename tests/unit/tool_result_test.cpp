#include "mcp/tool_result.hpp"

#include <gtest/gtest.h>

#include "util/base64.hpp"

using namespace cua;
using nlohmann::json;

namespace {

encoded_image image_of(std::vector<uint8_t> bytes, std::string mime) {
  encoded_image image;
  image.bytes = std::move(bytes);
  image.mime_type = std::move(mime);
  return image;
}

} // namespace

TEST(tool_result, images_are_written_into_the_response_line_where_their_markers_stand) {
  tool_result result;
  result.add_text("before");
  result.add_image(image_of({1, 2, 3, 250, 251}, "image/png"));
  result.add_text("between \"quoted\" and \\ escaped");
  result.add_image(image_of({9, 8, 7}, "image/jpeg"));
  result.set_structured({{"n", 1}});
  auto line = std::move(result).response_line(42, "2025-11-25");
  auto response = json::parse(line);
  EXPECT_EQ(response["id"], 42);
  const auto& content = response["result"]["content"];
  ASSERT_EQ(content.size(), 5u);
  EXPECT_EQ(content[0]["text"], "before");
  EXPECT_EQ(content[1]["data"], base64_encode({1, 2, 3, 250, 251}));
  EXPECT_EQ(content[1]["mimeType"], "image/png");
  EXPECT_EQ(content[2]["text"], "between \"quoted\" and \\ escaped");
  EXPECT_EQ(content[3]["data"], base64_encode({9, 8, 7}));
  EXPECT_EQ(content[3]["mimeType"], "image/jpeg");
  EXPECT_EQ(response["result"]["structuredContent"], json({{"n", 1}}));
  EXPECT_EQ(line.find("cua-spliced-"), std::string::npos);
}

TEST(tool_result, the_json_form_has_the_image_data_too_and_old_versions_lose_structured_content) {
  tool_result result;
  result.add_image(image_of({4, 5, 6}, "image/png"));
  result.set_structured({{"ok", true}});
  auto copy = result;
  auto value = copy.to_json(); // from an lvalue: a copy is taken, the original is kept
  EXPECT_EQ(value["content"][0]["data"], base64_encode({4, 5, 6}));
  EXPECT_EQ(std::move(result).to_json()["content"][0]["data"], base64_encode({4, 5, 6}));
  tool_result old;
  old.set_structured({{"ok", true}});
  auto line = json::parse(std::move(old).response_line("a", "2025-03-26"));
  EXPECT_FALSE(line["result"].contains("structuredContent"));
  EXPECT_EQ(line["result"]["content"][0]["text"], R"({"ok":true})");
}

TEST(tool_result, errors_are_marked) {
  auto line = json::parse(tool_result::error("no").response_line(1, "2025-11-25"));
  EXPECT_EQ(line["result"]["isError"], true);
  EXPECT_EQ(line["result"]["content"][0]["text"], "no");
}
