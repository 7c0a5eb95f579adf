#include "agent/tool_use_conversation.hpp"

namespace cua {

nlohmann::json tool_use_conversation(const model_request& request,
                                     const std::function<nlohmann::json(const tool_output&)>& result_block) {
  using nlohmann::json;
  auto messages = json::array();
  messages.push_back({{"role", "user"}, {"content", {{{"type", "text"}, {"text", request.task}}}}});
  for (const auto& round : request.history) {
    auto said = json::array();
    if (!round.turn.text.empty())
      said.push_back({{"type", "text"}, {"text", round.turn.text}});
    for (const auto& action : round.turn.actions) {
      auto input = json::parse(action.input_json, nullptr, false);
      said.push_back({{"type", "tool_use"},
                      {"id", action.call_id},
                      {"name", "computer"},
                      {"input", input.is_object() ? input : json::object()}});
    }
    messages.push_back({{"role", "assistant"}, {"content", said}});
    if (round.outputs.empty())
      continue;
    auto results = json::array();
    for (const auto& output : round.outputs)
      results.push_back(result_block(output));
    messages.push_back({{"role", "user"}, {"content", results}});
  }
  return messages;
}

} // namespace cua
