#include "agent/openai_provider.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "agent/computer_action_schema.hpp"
#include "agent/http_model.hpp"
#include "agent/provider_wire.hpp"
#include "messages/errors.hpp"
#include "util/base64.hpp"
#include "util/json_text.hpp"

namespace cua {

namespace {

using nlohmann::json;

json computer_function(const model_request& request) {
  return {{"type", "function"},
          {"function",
           {{"name", "computer"},
            {"description", computer_tool_description(request.display_width, request.display_height)},
            {"parameters", computer_action_schema()}}}};
}

std::string data_url(const encoded_image& image) {
  return "data:" + image.mime_type + ";base64," + base64_encode(image.bytes);
}

} // namespace

http_request openai_request(const model_request& request, const provider_settings& settings) {
  auto messages = json::array();
  messages.push_back(
    {{"role", "system"},
     {"content", "You operate a computer through the computer function to do the user's task. "
                 "Take a screenshot first. When the task is done, answer without calling the "
                 "function."}});
  messages.push_back({{"role", "user"}, {"content", request.task}});
  for (const auto& round : request.history) {
    json said{{"role", "assistant"}, {"content", round.turn.text.empty() ? json(nullptr) : json(round.turn.text)}};
    if (!round.turn.actions.empty()) {
      auto calls = json::array();
      for (const auto& action : round.turn.actions)
        calls.push_back({{"id", action.call_id},
                         {"type", "function"},
                         {"function", {{"name", "computer"}, {"arguments", action.input_json}}}});
      said["tool_calls"] = calls;
    }
    messages.push_back(said);
    // Tool messages carry text only; the screenshots follow in one user message.
    auto images = json::array();
    for (const auto& output : round.outputs) {
      messages.push_back({{"role", "tool"},
                          {"tool_call_id", output.call_id},
                          {"content", output.text.empty() ? std::string{"done"}
                                                          : (output.is_error ? "error: " : "")
                                                              + output.text}});
      if (output.has_image)
        images.push_back({{"type", "image_url"}, {"image_url", {{"url", data_url(output.image)}}}});
    }
    if (!images.empty()) {
      images.insert(images.begin(), json{{"type", "text"}, {"text", "The screen after these actions:"}});
      messages.push_back({{"role", "user"}, {"content", images}});
    }
  }
  std::vector<std::string> headers;
  if (!settings.api_key.empty())
    headers.push_back("authorization: Bearer " + settings.api_key);
  return model_post(settings, "/chat/completions", std::move(headers),
                    json::array({computer_function(request)}), std::move(messages));
}

caf::expected<model_turn> openai_turn(const http_response& response,
                                      const provider_settings& settings) {
  auto reply = reply_object("openai", settings, response);
  if (!reply)
    return reply.error();
  const auto& body = *reply;
  if (!body.contains("choices") || !body["choices"].is_array()
      || body["choices"].empty() || !body["choices"][0].contains("message"))
    return make_error(errc::model_failed, "openai sent a reply without choices: "
                                            + response.body.substr(0, 300));
  const auto& message = body["choices"][0]["message"];
  model_turn turn;
  if (message.contains("content") && message["content"].is_string())
    turn.text = message["content"].get<std::string>();
  if (message.contains("tool_calls") && message["tool_calls"].is_array())
    for (const auto& call : message["tool_calls"]) {
      if (!call.is_object() || !call.contains("function"))
        continue;
      const auto& function = call["function"];
      auto arguments = function.contains("arguments") && function["arguments"].is_string()
                         ? function["arguments"].get<std::string>()
                         : json_text(function.value("arguments", json::object()));
      turn.actions.push_back(model_action{call.value("id", std::string{}), arguments});
    }
  read_usage(body, "prompt_tokens", "completion_tokens", turn);
  return turn;
}

caf::expected<model_api> spawn_openai_model(caf::local_actor* task, const std::string& model,
                                             const model_options& options) {
  const char* base = std::getenv("OPENAI_BASE_URL");
  bool local = base != nullptr && *base != '\0';
  auto settings = provider_settings_from_env(model, "OPENAI_API_KEY", "OPENAI_BASE_URL",
                                             "https://api.openai.com/v1", local);
  if (!settings)
    return settings.error();
  auto s = *settings;
  s.timeout = options.call_timeout;
  wire_format wire{"openai", [s](const model_request& r) { return openai_request(r, s); },
                   [s](const http_response& r) { return openai_turn(r, s); }};
  return spawn_http_model(task, std::move(wire), retry_policy{options.retries, options.first_backoff});
}

} // namespace cua
