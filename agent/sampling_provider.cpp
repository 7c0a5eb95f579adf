#include "agent/sampling_provider.hpp"

#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "agent/computer_action_schema.hpp"
#include "agent/tool_use_conversation.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/json_payload.hpp"
#include "util/base64.hpp"
#include "util/json_text.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using nlohmann::json;

json tool_result_block(const tool_output& output) {
  auto content = json::array();
  if (!output.text.empty())
    content.push_back({{"type", "text"}, {"text", output.text}});
  if (output.has_image)
    content.push_back({{"type", "image"},
                       {"data", base64_encode(output.image.bytes)},
                       {"mimeType", output.image.mime_type}});
  if (content.empty())
    content.push_back({{"type", "text"}, {"text", "done"}});
  json block{{"type", "tool_result"}, {"toolUseId", output.call_id}, {"content", content}};
  if (output.is_error)
    block["isError"] = true;
  return block;
}

struct sampling_state {
  caf::actor client;
  caf::timespan timeout;
  static inline const char* name = "sampling_model";
};

model_api::behavior_type sampling_model(model_api::stateful_pointer<sampling_state> self, caf::actor client,
                             caf::timespan timeout) {
  log_unexpected_messages(self);
  self->state.client = std::move(client);
  self->state.timeout = timeout;
  return {
    [=](next_turn_atom, const model_request& request) -> caf::result<model_turn> {
      auto rp = self->make_response_promise<model_turn>();
      self->request(self->state.client, self->state.timeout, client_req_atom::value,
                    std::string{"sampling/createMessage"}, sampling_request(request))
        .then(
          [=](const json& result) mutable {
            auto turn = sampling_turn(result);
            if (turn)
              rp.deliver(std::move(*turn));
            else
              rp.deliver(turn.error());
          },
          [=](caf::error& err) mutable {
            rp.deliver(make_error(errc::model_failed, "the client's model did not answer: "
                                                        + describe(err)));
          });
      return rp;
    },
  };
}

} // namespace

json sampling_request(const model_request& request) {
  auto messages = tool_use_conversation(request, tool_result_block);
  return {{"messages", messages},
          {"systemPrompt", "You operate a computer through the computer tool to do the user's "
                           "task. Take a screenshot first. When the task is done, answer without "
                           "using the tool."},
          {"maxTokens", 4096},
          {"tools",
           {{{"name", "computer"},
             {"description", computer_tool_description(request.display_width, request.display_height)},
             {"inputSchema", computer_action_schema()}}}},
          {"toolChoice", {{"mode", "auto"}}}};
}

caf::expected<model_turn> sampling_turn(const json& result) {
  if (!result.is_object() || !result.contains("content"))
    return make_error(errc::model_failed, "the client's sampling result has no content: "
                                            + json_text(result).substr(0, 300));
  auto blocks = result["content"].is_array() ? result["content"] : json::array({result["content"]});
  model_turn turn;
  for (const auto& block : blocks) {
    if (!block.is_object())
      continue;
    auto type = block.contains("type") && block["type"].is_string() ? block["type"].get<std::string>() : "";
    if (type == "text" && block.contains("text") && block["text"].is_string())
      turn.text += (turn.text.empty() ? "" : "\n") + block["text"].get<std::string>();
    else if (type == "tool_use")
      turn.actions.push_back(model_action{block.contains("id") && block["id"].is_string()
                                            ? block["id"].get<std::string>()
                                            : std::string{"sampled"},
                                          json_text(block.value("input", json::object()))});
  }
  return turn;
}

caf::expected<model_api> spawn_sampling_model(caf::local_actor* task, const std::string&,
                                               const model_options& options) {
  if (!options.client)
    return make_error(errc::model_failed, "the sampling provider needs an MCP client connection");
  return task->spawn<caf::linked>(sampling_model, options.client,
                                  std::chrono::duration_cast<caf::timespan>(options.call_timeout));
}

} // namespace cua
