#include "agent/anthropic_provider.hpp"

#include <nlohmann/json.hpp>

#include "agent/http_model.hpp"
#include "agent/provider_wire.hpp"
#include "agent/tool_use_conversation.hpp"
#include "messages/errors.hpp"
#include "util/base64.hpp"
#include "util/json_text.hpp"

namespace cua {

namespace {

using nlohmann::json;

json image_block(const encoded_image& image) {
  return {{"type", "image"},
          {"source",
           {{"type", "base64"}, {"media_type", image.mime_type}, {"data", base64_encode(image.bytes)}}}};
}

json tool_result(const tool_output& output) {
  auto content = json::array();
  if (!output.text.empty())
    content.push_back({{"type", "text"}, {"text", output.text}});
  if (output.has_image)
    content.push_back(image_block(output.image));
  if (content.empty())
    content.push_back({{"type", "text"}, {"text", "done"}});
  json block{{"type", "tool_result"}, {"tool_use_id", output.call_id}, {"content", content}};
  if (output.is_error)
    block["is_error"] = true;
  return block;
}

} // namespace

http_request anthropic_request(const model_request& request, const provider_settings& settings) {
  auto messages = tool_use_conversation(request, tool_result);
  json tools{{{"type", anthropic_computer_tool},
               {"name", "computer"},
               {"display_width_px", request.display_width},
               {"display_height_px", request.display_height}}};
  return model_post(settings, "/v1/messages",
                    {"anthropic-version: 2023-06-01",
                     std::string("anthropic-beta: ") + anthropic_computer_beta,
                     "x-api-key: " + settings.api_key},
                    std::move(tools), std::move(messages));
}

caf::expected<model_turn> anthropic_turn(const http_response& response,
                                         const provider_settings& settings) {
  auto reply = reply_object("anthropic", settings, response);
  if (!reply)
    return reply.error();
  const auto& body = *reply;
  if (!body.contains("content") || !body["content"].is_array())
    return make_error(errc::model_failed, "anthropic sent a reply without content: "
                                            + response.body.substr(0, 300));
  model_turn turn;
  for (const auto& block : body["content"]) {
    if (!block.is_object())
      continue;
    auto type = block.value("type", "");
    if (type == "text" && block.contains("text") && block["text"].is_string()) {
      turn.text += (turn.text.empty() ? "" : "\n") + block["text"].get<std::string>();
    } else if (type == "tool_use") {
      auto input = block.contains("input") ? block["input"] : json::object();
      turn.actions.push_back(model_action{block.value("id", ""), json_text(input)});
    }
  }
  read_usage(body, "input_tokens", "output_tokens", turn);
  return turn;
}

caf::expected<model_api> spawn_anthropic_model(caf::local_actor* task,
                                                const std::string& model,
                                                const model_options& options) {
  auto settings = provider_settings_from_env(model, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                                             "https://api.anthropic.com");
  if (!settings)
    return settings.error();
  auto s = *settings;
  s.timeout = options.call_timeout;
  wire_format wire{"anthropic", [s](const model_request& r) { return anthropic_request(r, s); },
                   [s](const http_response& r) { return anthropic_turn(r, s); }};
  return spawn_http_model(task, std::move(wire), retry_policy{options.retries, options.first_backoff});
}

} // namespace cua
