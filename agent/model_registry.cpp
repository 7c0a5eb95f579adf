#include "agent/model_registry.hpp"

#include "agent/anthropic_provider.hpp"
#include "agent/openai_provider.hpp"
#include "agent/replay_model.hpp"
#include "agent/sampling_provider.hpp"
#include "messages/errors.hpp"

namespace cua {

const std::vector<model_provider>& model_providers() {
  // One line per provider: adding one means one new file and one line here.
  static const std::vector<model_provider> table{
    {"anthropic", "anthropic/MODEL (Messages API with the computer tool; ANTHROPIC_API_KEY, "
                  "ANTHROPIC_BASE_URL)", spawn_anthropic_model},
    {"openai", "openai/MODEL (any chat-completions server; OPENAI_API_KEY, OPENAI_BASE_URL)",
     spawn_openai_model},
    {"replay", "replay:PATH (a JSON Lines script of model turns)", spawn_replay_model},
    {"sampling", "sampling (the MCP client's own model, if it declared sampling with tools)",
     spawn_sampling_model, false},
  };
  return table;
}

caf::expected<model_api> spawn_model(caf::local_actor* task, const std::string& spec,
                                      const model_options& options) {
  std::string name;
  std::string argument;
  if (auto colon = spec.find(':'); colon != std::string::npos && spec.compare(0, 6, "replay") == 0) {
    name = spec.substr(0, colon);
    argument = spec.substr(colon + 1);
  } else if (auto slash = spec.find('/'); slash != std::string::npos) {
    name = spec.substr(0, slash);
    argument = spec.substr(slash + 1);
  } else {
    name = spec;
  }
  std::string known;
  for (const auto& provider : model_providers()) {
    if (provider.name == name) {
      if (argument.empty() && provider.takes_argument)
        return make_error(errc::model_failed, "the model \"" + spec + "\" is incomplete; write it as "
                                                + provider.usage);
      return provider.spawn(task, argument, options);
    }
    known += (known.empty() ? "" : ", ") + provider.usage;
  }
  return make_error(errc::model_failed,
                    "the model provider \"" + name + "\" (from --model / CUA_MODEL_NAME \"" + spec
                      + "\") is not available in this build; available: " + known);
}

} // namespace cua
